// Reading the owner and mode of POSIX objects for the trust check
// (object_trust.hpp), and setting a new object's mode without resolving its
// path a second time.
#pragma once

#include <string_view>

#include <xipc/permissions.hpp>

#include "core/object_trust.hpp"

namespace xipc::detail {

// Checks the object open on `fd` (fstat) as object_trust.hpp says; `what` names it in the message.
bool check_descriptor_owner(int fd, std::string_view what, const permissions& asked, failure& why);

// What `mode` (st_mode) is, in words: "a regular file", "a socket", ...
const char* file_type_name(unsigned mode) noexcept;

}  // namespace xipc::detail
