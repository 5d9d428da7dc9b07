// Linux makes every descriptor close-on-exec in the call that makes it (new_descriptor.hpp).
#include "posix/new_descriptor.hpp"

#include <fcntl.h>
#include <unistd.h>

namespace xipc::detail {

int new_pipe_descriptors(int ends[2]) noexcept { return ::pipe2(ends, O_CLOEXEC); }

int new_socket_descriptor(int domain, int type, bool non_blocking) noexcept {
  return ::socket(domain, type | SOCK_CLOEXEC | (non_blocking ? SOCK_NONBLOCK : 0), 0);
}

int new_socket_pair(int domain, int type, int ends[2]) noexcept {
  return ::socketpair(domain, type | SOCK_CLOEXEC, 0, ends);
}

// Without SOCK_NONBLOCK the connection is blocking, whatever the listener is.
int accept_new_descriptor(int listener) noexcept { return ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC); }

ssize_t receive_with_descriptors(int socket, msghdr* message, int flags) noexcept {
  return ::recvmsg(socket, message, flags | MSG_CMSG_CLOEXEC);
}

}  // namespace xipc::detail
