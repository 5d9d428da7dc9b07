// Close-on-exec set by fcntl right after the call that makes the descriptor:
// every POSIX system has this (new_descriptor.hpp says what it costs).
// Where a socket can be told never to raise SIGPIPE (SO_NOSIGPIPE: macOS,
// the BSDs), every socket made or received here is, beside the MSG_NOSIGNAL
// of each send: a received socket may go to code that sends without it.
#include "posix/new_descriptor.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xipc/detail/config.hpp>

#include <cerrno>
#include <cstring>

namespace xipc::detail {
namespace {

// Closes `fd` keeping errno, for a descriptor whose flags could not be set.
int drop(int fd) noexcept {
  const int saved = errno;
  ::close(fd);
  errno = saved;
  return -1;
}

bool set_close_on_exec(int fd) noexcept { return ::fcntl(fd, F_SETFD, FD_CLOEXEC) == 0; }

// A socket that never raises SIGPIPE, where the system has the option; true elsewhere.
bool set_no_sigpipe([[maybe_unused]] int fd) noexcept {
#if XIPC_HAS_SO_NOSIGPIPE
  const int on = 1;
  return ::setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &on, sizeof on) == 0;
#else
  return true;
#endif
}

bool set_blocking(int fd, bool blocking) noexcept {
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0) return false;
  const int wanted = blocking ? (flags & ~O_NONBLOCK) : (flags | O_NONBLOCK);
  return wanted == flags || ::fcntl(fd, F_SETFL, wanted) == 0;
}

// Both ends of a new pipe or socket pair close-on-exec: 0, or -1 with errno
// set and both closed.
int both_close_on_exec(int ends[2]) noexcept {
  if (set_close_on_exec(ends[0]) && set_close_on_exec(ends[1])) return 0;
  const int saved = errno;
  ::close(ends[0]);
  ::close(ends[1]);
  errno = saved;
  return -1;
}

}  // namespace

int new_pipe_descriptors(int ends[2]) noexcept {
  if (::pipe(ends) != 0) return -1;
  return both_close_on_exec(ends);
}

int new_socket_descriptor(int domain, int type, bool non_blocking) noexcept {
  const int fd = ::socket(domain, type, 0);
  if (fd < 0) return -1;
  if (!set_close_on_exec(fd) || !set_no_sigpipe(fd) || (non_blocking && !set_blocking(fd, false))) return drop(fd);
  return fd;
}

int new_socket_pair(int domain, int type, int ends[2]) noexcept {
  if (::socketpair(domain, type, 0, ends) != 0) return -1;
  if (!set_no_sigpipe(ends[0]) || !set_no_sigpipe(ends[1])) {
    const int saved = errno;
    ::close(ends[0]);
    ::close(ends[1]);
    errno = saved;
    return -1;
  }
  return both_close_on_exec(ends);
}

int accept_new_descriptor(int listener) noexcept {
  int fd = -1;
  do {
    fd = ::accept(listener, nullptr, nullptr);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return -1;
  // BSD-derived systems hand the connection the listener's O_NONBLOCK.
  if (!set_close_on_exec(fd) || !set_no_sigpipe(fd) || !set_blocking(fd, true)) return drop(fd);
  return fd;
}

ssize_t receive_with_descriptors(int socket, msghdr* message, int flags) noexcept {
  const ssize_t got = ::recvmsg(socket, message, flags);
  if (got < 0) return got;
  for (cmsghdr* part = CMSG_FIRSTHDR(message); part != nullptr; part = CMSG_NXTHDR(message, part)) {
    if (part->cmsg_level != SOL_SOCKET || part->cmsg_type != SCM_RIGHTS) continue;
    const auto* first = reinterpret_cast<const unsigned char*>(CMSG_DATA(part));
    const std::size_t count = (part->cmsg_len - static_cast<std::size_t>(first - reinterpret_cast<unsigned char*>(part))) / sizeof(int);
    for (std::size_t i = 0; i < count; ++i) {
      int fd = -1;
      std::memcpy(&fd, first + i * sizeof(int), sizeof fd);
      ::fcntl(fd, F_SETFD, FD_CLOEXEC);
      struct stat info {};
      if (::fstat(fd, &info) == 0 && S_ISSOCK(info.st_mode)) set_no_sigpipe(fd);
    }
  }
  return got;
}

}  // namespace xipc::detail
