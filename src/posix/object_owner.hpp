// Reading the owner and mode of POSIX objects for the trust check
// (object_trust.hpp), and setting a new object's mode without resolving its
// path a second time.
#pragma once

#include <string>
#include <string_view>

#include <xipc/permissions.hpp>

#include "core/object_trust.hpp"

namespace xipc::detail {

// Checks the object open on `fd` (fstat) as object_trust.hpp says; `what` names it in the message.
bool check_descriptor_owner(int fd, std::string_view what, const permissions& asked, failure& why);

// What `mode` (st_mode) is, in words: "a regular file", "a socket", ...
const char* file_type_name(unsigned mode) noexcept;

// Makes the directory `path` with `mode` if it is not there, and checks what
// is there without following a link: a directory of this user's that has
// none of `refused` permission bits (groups' and others' writing, say).
// False, with `why` naming the path and what was wrong, otherwise.
bool own_directory(const std::string& path, unsigned mode, unsigned refused, failure& why);

}  // namespace xipc::detail
