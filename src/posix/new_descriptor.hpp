// Making descriptors that a child process does not inherit. Linux sets
// close-on-exec in the same call that makes the descriptor (pipe2, accept4,
// SOCK_CLOEXEC, MSG_CMSG_CLOEXEC: linux/new_descriptor_atomic.cpp). Elsewhere
// it is set by fcntl right after (posix/new_descriptor_fcntl.cpp): a process
// forked by another thread in between could inherit the descriptor, which
// child_process closes anyway (only stdio reaches a child it spawns).
#pragma once

#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <cstring>

namespace xipc::detail {

// pipe(2) with both ends close-on-exec and blocking; 0, or -1 with errno set.
int new_pipe_descriptors(int ends[2]) noexcept;

// socket(2), close-on-exec, non-blocking when asked; -1 with errno set on failure.
int new_socket_descriptor(int domain, int type, bool non_blocking) noexcept;

// socketpair(2), both ends close-on-exec and blocking; 0, or -1 with errno set.
int new_socket_pair(int domain, int type, int ends[2]) noexcept;

// accept(2) on `listener`: the connection close-on-exec and blocking; -1 with errno set.
int accept_new_descriptor(int listener) noexcept;

// recvmsg(2) whose SCM_RIGHTS descriptors arrive close-on-exec.
ssize_t receive_with_descriptors(int socket, msghdr* message, int flags) noexcept;

// Closes the SCM_RIGHTS descriptors that a recvmsg left in `message`.
inline void close_received_descriptors(msghdr& message) noexcept {
  if (message.msg_control == nullptr) return;
  for (cmsghdr* part = CMSG_FIRSTHDR(&message); part != nullptr; part = CMSG_NXTHDR(&message, part)) {
    if (part->cmsg_level != SOL_SOCKET || part->cmsg_type != SCM_RIGHTS) continue;
    const std::size_t count = (part->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (std::size_t i = 0; i < count; ++i) {
      int fd = -1;
      std::memcpy(&fd, CMSG_DATA(part) + i * sizeof(int), sizeof fd);
      ::close(fd);
    }
  }
}

}  // namespace xipc::detail
