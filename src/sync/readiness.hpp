// The portable half of a readiness handle (docs/event_loops.md): one waiting
// end's doorbell (backend/doorbell.hpp), the slot in shared memory that names
// it, and arming and disarming over the end's event count. The ring's ends
// and the mailbox each keep one per direction they wait in.
//
// Arming: mark the slot armed, announce a sleep on the event count (the same
// read-modify-write a sleeping waiter does), then look at the condition. A
// notifier that changes the condition afterwards sees the announcement and
// rings every armed doorbell (event_count::wake_all); one that changed it
// before is seen by the look. So no wake-up is lost, as for a sleeper.
//
// Thread safety: none; the end that holds it uses it from one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>

#include <xipc/detail/doorbell_slot.hpp>
#include <xipc/detail/event_count.hpp>

#include "backend/doorbell.hpp"
#include "core/setup_error.hpp"

namespace xipc::detail {

class readiness_point {
 public:
  readiness_point() noexcept = default;
  readiness_point(const readiness_point&) = delete;
  readiness_point& operator=(const readiness_point&) = delete;
  // Closes the doorbell; release() must have given the slot back first.
  ~readiness_point() { close_doorbell(bell_); }

  // Opens a doorbell and claims one of `slots`: a free one, or one whose
  // holder's process has ended. errc::busy when every slot is held by a live process.
  bool open(std::span<doorbell_slot> slots, std::string_view what, failure& why);

  native_handle_type handle() const noexcept { return bell_.wait; }

  // Arms (or, when armed, looks again): true when the caller should wait on
  // the handle; false when `ready()` holds, or when `peer` (a process token,
  // 0 for none) has ended, and then the point is disarmed.
  template <class Ready>
  bool arm(event_count event, Ready&& ready, std::uint64_t peer) noexcept {
    if (!armed_) {
      // Relaxed: the announcement's seq_cst read-modify-write publishes it.
      slot_->armed.store(doorbell_armed, std::memory_order_relaxed);
      key_ = event.prepare_wait();
      armed_ = true;
    }
    peer_ended_ = !watch_process_with(bell_, peer, should_look_at_peer());
    if (peer_ended_ || ready()) {
      disarm(event, false);
      return false;
    }
    return true;
  }

  // Withdraws the announcement (when armed) and clears the handle if it was
  // rung, or if `fired` (the caller saw the handle ready).
  void disarm(event_count event, bool fired = true) noexcept;

  // Disarms and frees the slot; the doorbell stays open until destruction.
  void release(event_count event) noexcept;

  bool is_armed() const noexcept { return armed_; }
  // Whether the last arm() found the watched peer's process ended.
  bool peer_ended() const noexcept { return peer_ended_; }

 private:
  // Whether this arming looks at the peer's process: when the handle fired
  // with no ring to take (a backend that watches processes through it), or,
  // where it does not, once per liveness interval.
  bool should_look_at_peer() noexcept;

  doorbell_handles bell_;
  doorbell_slot* slot_ = nullptr;
  bool armed_ = false;
  std::uint32_t key_ = 0;  // the announcement's, to withdraw it
  bool peer_ended_ = false;
  bool fired_without_ring_ = false;
  std::chrono::steady_clock::time_point next_peer_look_{};
};

}  // namespace xipc::detail
