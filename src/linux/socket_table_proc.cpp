// The Unix-domain socket table of Linux: /proc/net/unix (socket_table.hpp).
#include "posix/socket_table.hpp"

#include <fstream>

namespace xipc::detail {

// Whether the kernel's table of Unix-domain sockets (Linux: /proc/net/unix)
// lists one bound to `path`. It lists each path as its binder spelled it, so
// an entry with the same file name spelled otherwise ("./x.sock", another
// cwd) cannot be told apart: nothing then, as where there is no table.
std::optional<bool> path_bound_in_socket_table(const std::string& path) {
  std::ifstream table("/proc/net/unix");
  if (!table) return {};
  std::string line;
  std::getline(table, line);  // Num RefCount Protocol Flags Type St Inode Path
  bool ambiguous = false;
  while (std::getline(table, line)) {
    // Seven fields, then the path (which may hold spaces).
    std::size_t at = 0;
    for (int field = 0; field < 7 && at != std::string::npos; ++field) {
      at = line.find_first_not_of(' ', at);
      if (at != std::string::npos) at = line.find(' ', at);
    }
    if (at == std::string::npos) continue;
    at = line.find_first_not_of(' ', at);
    if (at == std::string::npos) continue;
    const std::string_view listed = std::string_view(line).substr(at);
    if (listed == path) return true;
    if (file_name_of(listed) == file_name_of(path)) ambiguous = true;
  }
  if (ambiguous) return {};
  return false;
}

}  // namespace xipc::detail
