#include <xipc/detail/event_count.hpp>

#include "backend/doorbell.hpp"
#include "backend/wait_wake.hpp"

namespace xipc::detail {

// Once the system said it can (heavy_fence_works asked), membarrier's global
// command has no failure left but running out of memory. Should it fail all
// the same, a wake-up may be missed: a sleeper in sleep_until finds the
// change when its sleep ends (never longer than liveness_interval); an armed
// readiness handle, at the next change or the event loop's own timer.
void fence_light_notifiers() noexcept { heavy_fence(); }

bool heavy_fence_works() noexcept {
  static const bool works = heavy_fence();
  return works;
}

void event_count::wait(std::uint32_t key, std::chrono::nanoseconds timeout) noexcept {
  wait_on_word(epoch_, key, timeout);
  cancel_wait(key);
}

void event_count::wake_all() noexcept {
  const std::uint32_t left = epoch_.value.fetch_add(1, std::memory_order_release);
  wake_word(epoch_, left);
  // An armed slot's holder announced itself in `sleepers` after arming, so a
  // notifier that saw it sees `armed` too (docs/event_loops.md). The first to
  // ring marks it rung: one ring per arming, and a disarm that finds it
  // unrung has nothing to clear.
  for (std::uint32_t i = 0; i < bell_count_; ++i) {
    std::atomic<std::uint32_t>& armed = bells_[i].armed;
    std::uint32_t expected = doorbell_armed;
    if (armed.load(std::memory_order_relaxed) == doorbell_armed &&
        armed.compare_exchange_strong(expected, doorbell_rung, std::memory_order_acq_rel)) {
      ring_doorbell(bells_[i].id.load(std::memory_order_relaxed));
    }
  }
}

}  // namespace xipc::detail
