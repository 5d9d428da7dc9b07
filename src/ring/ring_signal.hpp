// What the ring's slow path (spsc_ring.cpp) and its readiness calls
// (ring_readiness.cpp) share about a side's signal line.
#pragma once

#include <xipc/detail/event_count.hpp>
#include <xipc/detail/ring_layout.hpp>

namespace xipc::detail {

class readiness_point;

// The event count a side sleeps on: one sleeper at most (its own thread, or
// its armed readiness handle, whose doorbell wake_all rings). It fences
// between announcing and looking where the side said it would.
inline event_count event_of(ring_signal_line& signal) noexcept {
  return {signal.wake, signal.sleeping, &signal.bell, 1,
          signal.may_sleep.load(std::memory_order_relaxed) == ring_sleeps_fenced};
}

// What an adaptive side stores in its `may_sleep`: ring_sleeps_fenced where
// this process can run heavy fences (asked once), else ring_sleeps.
std::uint32_t ring_sleep_mode() noexcept;

// Gives back a side's readiness slot and deletes its point, if it has one.
void close_ring_readiness(readiness_point*& point, ring_signal_line& own) noexcept;

}  // namespace xipc::detail
