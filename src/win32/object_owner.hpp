// Reading the owner and DACL of Windows objects for the trust check
// (object_trust.hpp), and the owner-only security new objects get.
#pragma once

#include <windows.h>

#include <string_view>

#include <xipc/permissions.hpp>

#include "core/object_trust.hpp"

namespace xipc::detail {

// Checks the object behind `handle` (opened with READ_CONTROL): its owner SID
// must be the calling user's (or the token's default owner), and unless
// `asked` allows group or other access, its DACL may grant nothing to anyone
// but that user, SYSTEM, the administrators and the logon session.
bool check_handle_owner(HANDLE handle, std::string_view what, const permissions& asked, failure& why);

// A protected DACL with one entry, all access for the current user: the twin
// of POSIX's 0600. Null (default security) if the user cannot be read.
SECURITY_ATTRIBUTES* owner_only_security() noexcept;

// What a new object of `perms` is created with: owner_only_security(), or,
// when group or other bits are asked for, a DACL that lets every user in
// (Windows has no owner's group to match POSIX's group bits). Never the
// default security: Wine gives such an object no owner at all.
SECURITY_ATTRIBUTES* security_for(const permissions& perms) noexcept;

}  // namespace xipc::detail
