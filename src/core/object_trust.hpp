// The one check every named object passes before xipc trusts an existing one
// found under its name (DESIGN: trust and ownership): the owner must be the
// calling user or the uid the caller named, and the permission bits no wider
// than the ones asked for. Portable: each backend reads owner and mode from
// its OS (fstat, msgctl, the security descriptor) and hands them here.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include <xipc/permissions.hpp>

#include "core/setup_error.hpp"

namespace xipc::detail {

// What a backend found on an existing object.
struct found_owner {
  std::uint32_t uid = 0;
  std::uint32_t mode = 0;  // permission bits only (07777)
  // A second owner the OS keeps (System V's creator uid), checked as strictly as `uid`.
  std::optional<std::uint32_t> creator_uid;
};

// The user this process acts as: the effective uid (0 on Windows, where owners are SIDs).
std::uint32_t current_user_id() noexcept;

// errc::permission_denied with a message naming `what`, the owner and the mode
// found, unless the object is trusted under `asked`.
bool check_found_owner(std::string_view what, const found_owner& found, const permissions& asked, failure& why);

// Is `mode` exactly what was asked? For open_or_create of objects whose
// options must match exactly (mailboxes).
bool check_exact_mode(std::string_view what, std::uint32_t mode, const permissions& asked, failure& why);

}  // namespace xipc::detail
