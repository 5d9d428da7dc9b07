// What the two socket doorbells share (backend/doorbell.hpp): Linux's bound
// to an abstract name (linux/doorbell_abstract_socket.cpp) and the one bound
// to a file (posix/doorbell_socket_file.cpp). Both are a datagram socket that
// a ring makes readable; they differ only in where the socket is bound.
#include "backend/doorbell.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <cstddef>

#include "backend/process_identity.hpp"

namespace xipc::detail {

bool clear_doorbell(doorbell_handles& bell) noexcept {
  if (bell.wait == invalid_native_handle) return false;
  // One ring per arming (event_count::wake_all marks it rung), so one
  // receive takes it; a stale one left by a race makes one spurious wake-up.
  std::byte sink[8];
  for (;;) {
    if (::recv(bell.wait, sink, sizeof sink, MSG_DONTWAIT) >= 0) return true;
    if (errno != EINTR) return false;
  }
}

bool watch_process_with(doorbell_handles& bell, std::uint64_t token, bool look) noexcept {
  if (token == bell.watched_token && !look) return true;
  bell.watched_token = token;
  return token == 0 || process_alive(token);
}

// The socket fires on rings only: waiters look at the peer on a timer.
bool doorbell_watches_processes(const doorbell_handles&) noexcept { return false; }

}  // namespace xipc::detail
