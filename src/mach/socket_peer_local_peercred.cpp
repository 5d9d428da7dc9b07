// A connected Unix-domain peer's pid, uid and gid on macOS: LOCAL_PEERCRED
// (uid and groups) and LOCAL_PEERPID (macOS 10.8), both recorded by the
// kernel when the peer connected. The twin of linux/socket_peer_ucred.cpp.
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/ucred.h>
#include <sys/un.h>

#include "net/socket_io.hpp"
#include "posix/os_error.hpp"

namespace xipc::detail {

std::error_code peer_credentials_of(native_handle_type socket, peer_credentials& out) noexcept {
  xucred credentials{};
  socklen_t length = sizeof credentials;
  if (::getsockopt(socket, SOL_LOCAL, LOCAL_PEERCRED, &credentials, &length) != 0) return error_from_os(errno);
  if (credentials.cr_version != XUCRED_VERSION || credentials.cr_ngroups < 1) return error_from_os(EPROTO);
  pid_t pid = 0;
  length = sizeof pid;
  if (::getsockopt(socket, SOL_LOCAL, LOCAL_PEERPID, &pid, &length) != 0) return error_from_os(errno);
  out = {pid, credentials.cr_uid, credentials.cr_groups[0]};
  return {};
}

}  // namespace xipc::detail
