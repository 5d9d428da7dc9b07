#include "sync/readiness.hpp"

#include <fmt/format.h>

#include <utility>

#include "backend/process_identity.hpp"
#include "sync/event_wait.hpp"

namespace xipc::detail {

bool readiness_point::open(std::span<doorbell_slot> slots, std::string_view what, failure& why) {
  if (!open_doorbell(bell_, why)) return false;
  const std::uint64_t mine = current_process_token();
  for (doorbell_slot& slot : slots) {
    std::uint64_t holder = slot.holder.load(std::memory_order_acquire);
    // The holder claims with its token and only then writes the id: a slot
    // whose holder's process ended is taken over, a live one's never.
    if (holder != 0 && holder != mine && process_alive(holder)) continue;
    if (holder == mine) continue;  // another point of this process holds it
    if (!slot.holder.compare_exchange_strong(holder, mine, std::memory_order_acq_rel)) continue;
    slot.armed.store(doorbell_idle, std::memory_order_relaxed);
    slot.id.store(bell_.id, std::memory_order_release);
    slot_ = &slot;
    return true;
  }
  close_doorbell(bell_);
  why = refuse(errc::busy, fmt::format("all {} readiness slots of {} are held by live processes", slots.size(), what));
  return false;
}

void readiness_point::disarm(event_count event, bool fired) noexcept {
  if (armed_) {
    if (slot_->armed.exchange(doorbell_idle, std::memory_order_acq_rel) == doorbell_rung) fired = true;
    event.cancel_wait(key_);
    armed_ = false;
  }
  // A ring that raced with the exchange above arrives later: a spurious
  // wake-up of the next wait, which clears it then.
  if (fired && !clear_doorbell(bell_)) fired_without_ring_ = true;
}

bool readiness_point::should_look_at_peer() noexcept {
  if (std::exchange(fired_without_ring_, false)) return true;
  if (doorbell_watches_processes(bell_)) return false;
  const auto now = std::chrono::steady_clock::now();
  if (now < next_peer_look_) return false;
  next_peer_look_ = now + liveness_interval;
  return true;
}

void readiness_point::release(event_count event) noexcept {
  if (slot_ == nullptr) return;
  disarm(event);
  slot_->id.store(0, std::memory_order_relaxed);
  std::uint64_t mine = current_process_token();
  slot_->holder.compare_exchange_strong(mine, 0, std::memory_order_acq_rel);
  slot_ = nullptr;
}

}  // namespace xipc::detail
