// A connected Unix-domain peer's pid, uid and gid on Linux: SO_PEERCRED,
// recorded by the kernel when the peer connected (socket_io.hpp).
#include <sys/socket.h>

#include "net/socket_io.hpp"
#include "posix/os_error.hpp"

namespace xipc::detail {

std::error_code peer_credentials_of(native_handle_type socket, peer_credentials& out) noexcept {
  ucred credentials{};
  socklen_t length = sizeof credentials;
  if (::getsockopt(socket, SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0) return error_from_os(errno);
  out = {credentials.pid, credentials.uid, credentials.gid};
  return {};
}

}  // namespace xipc::detail
