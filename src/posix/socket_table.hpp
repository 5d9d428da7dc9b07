// Asking the OS's table of Unix-domain sockets whether one is bound to a
// path, so that a stale socket file can be told from a live server's without
// connecting to it. Linux reads /proc/net/unix (linux/socket_table_proc.cpp);
// a system without such a table answers nothing (posix/socket_table_none.cpp),
// and the caller then asks with a connect.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace xipc::detail {

// True when a socket is bound to `path`, false when none is, nothing when the
// table cannot tell.
std::optional<bool> path_bound_in_socket_table(const std::string& path);

// The last component of a path.
inline std::string_view file_name_of(std::string_view path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

}  // namespace xipc::detail
