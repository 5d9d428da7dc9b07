// A doorbell: the OS object behind a readiness handle (docs/event_loops.md).
// The waiting process opens one and waits on its handle (poll, epoll, Asio,
// libuv, WaitForMultipleObjects); any process that knows the doorbell's id,
// read from shared memory, rings it. Each backend implements these five:
//   linux/doorbell_abstract_socket.cpp  a datagram socket bound to an abstract name
//   posix/doorbell_socket_file.cpp      a datagram socket bound to a file (macOS)
//   win32/doorbell.cpp                  a named manual-reset event
// (the two sockets share clear, watch and doorbell_watches_processes:
// posix/doorbell_socket.cpp).
// An id read from shared memory is never trusted for more than a name: the
// worst a forged one does is ring another doorbell, which is a spurious wake.
#pragma once

#include <cstdint>

#include <xipc/native_handle.hpp>

#include "core/setup_error.hpp"

namespace xipc::detail {

// One open doorbell.
struct doorbell_handles {
  native_handle_type wait = invalid_native_handle;  // what event loops wait on
  std::uint64_t watched_token = 0;                  // the peer process last looked at
  std::uint64_t id = 0;                             // never 0 once open
};

// Opens a doorbell with a fresh, unguessable id (a name someone else holds is
// skipped): errc::... from the OS when it cannot.
bool open_doorbell(doorbell_handles& bell, failure& why);

// Closes every handle; `bell` is empty again.
void close_doorbell(doorbell_handles& bell) noexcept;

// Takes back the ring, so that the wait handle is not ready until the next.
// False when there was none to take: what made the handle ready was the
// watched process (or a stale ring), which the next watch looks at.
bool clear_doorbell(doorbell_handles& bell) noexcept;

// Looks at the peer process named by `token` (0: none): false when it has
// ended. A new token is always looked at; the same one only when `look`.
// A backend whose wait handle also fires when the watched process ends
// (none today: see linux/doorbell_abstract_socket.cpp for why) would watch it here.
bool watch_process_with(doorbell_handles& bell, std::uint64_t token, bool look) noexcept;

// Whether the wait handle itself turns ready when a watched process ends, so
// that waiters need not look at it on a timer.
bool doorbell_watches_processes(const doorbell_handles& bell) noexcept;

// Rings the doorbell `id` from any process: its wait handle becomes ready.
// Nothing happens when nobody holds that doorbell any more.
void ring_doorbell(std::uint64_t id) noexcept;

}  // namespace xipc::detail
