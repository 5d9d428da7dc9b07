// What the ring's slow path (spsc_ring.cpp) and its readiness calls
// (ring_readiness.cpp) share about a side's signal line.
#pragma once

#include <xipc/detail/event_count.hpp>
#include <xipc/detail/ring_layout.hpp>

namespace xipc::detail {

class readiness_point;

// The event count a side sleeps on: one sleeper at most (its own thread, or
// its armed readiness handle, whose doorbell wake_all rings).
inline event_count event_of(ring_signal_line& signal) noexcept {
  return {signal.wake, signal.sleeping, &signal.bell, 1};
}

// Gives back a side's readiness slot and deletes its point, if it has one.
void close_ring_readiness(readiness_point*& point, ring_signal_line& own) noexcept;

}  // namespace xipc::detail
