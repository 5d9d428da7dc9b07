// An event count in memory shared between processes: how every xipc object
// that waits (the ring's blocking modes, the shm mailbox, the process lock)
// sleeps until another thread or process changes something, without a lock
// and without a system call when nobody sleeps. folly's EventCount is the
// model; here the count and the word live in shared memory, and the word is
// a wait_word that the backend sleeps on (futex, a named semaphore, ulock).
//
// The waiting side, for a condition C that another side makes true:
//
//   for (;;) {
//     const auto key = event.prepare_wait();   // 1. announce
//     if (C) { event.cancel_wait(); break; }   // 2. look again
//     event.wait(key, timeout);                // 3. sleep, unless notified since 1
//   }
//
// The notifying side makes C true, then calls event.notify().
//
// Why no wake-up is lost: prepare_wait and notify each do a read-modify-write
// (at least acq_rel) on `sleepers`, so the two are ordered in that word's modification
// order. If notify's comes later, it reads the announcement and wakes: it
// bumps the epoch, which the waiter read before announcing, so a waiter that
// has not slept yet does not start to (the backend compares the word to
// `key`), and one asleep is woken. If notify's comes first, the waiter's RMW
// reads from it, so the notifier's change to C happens before the waiter's
// look at C in step 2, which sees it. A plain load in notify would not do:
// a release store of C and a load of `sleepers` may be reordered.
//
// A lighter notify, for hot paths (the ring's): a waiter made with `fences`
// runs a heavy fence (membarrier: a full fence on the CPU of every thread of
// every process registered for it) between its announcement and its look.
// A notifier whose process registered (register_light_notifier) may then
// read `sleepers` with a plain load after its change. Either the heavy
// fence's full fence ran on the notifier's CPU after its change, and the
// waiter's look sees the change; or before it, and so before the notifier's
// load, which then sees the announcement (stored before the heavy fence
// began). A waiter that cannot fence must not be made with `fences`, and
// notifiers then use the read-modify-write (docs/ring.md).
//
// A sleeper may return early (a signal, a stale wake, its timeout): callers
// always look at C again. A process that dies between prepare_wait and the end
// of wait leaves its announcement behind: notifiers then wake in vain (one
// system call each) until the object is formatted again, never too little.
//
// Thread safety: any number of threads and processes may wait on and notify
// one event count at once; the object itself is a view of two shared words.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include <xipc/detail/doorbell_slot.hpp>
#include <xipc/detail/wait_word.hpp>

namespace xipc::detail {

// The heavy fence of a waiter made with `fences` (backend: heavy_fence).
void fence_light_notifiers() noexcept;

class event_count {
 public:
  event_count(wait_word& epoch, std::atomic<std::uint32_t>& sleepers) noexcept : epoch_(epoch), sleepers_(sleepers) {}
  // An event count whose waiters may also wait on readiness handles, each
  // announced in one of `bell_count` doorbell slots: wake_all rings the armed
  // ones. An armed handle counts as a sleeper (docs/event_loops.md).
  event_count(wait_word& epoch, std::atomic<std::uint32_t>& sleepers, doorbell_slot* bells,
              std::uint32_t bell_count, bool fences = false) noexcept
      : epoch_(epoch), sleepers_(sleepers), bells_(bells), bell_count_(bell_count), fences_(fences) {}

  // The waiting side.
  // Announces a sleep; returns the key that wait() takes.
  std::uint32_t prepare_wait() noexcept {
    const std::uint32_t key = epoch_.value.load(std::memory_order_acquire);
    sleepers_.fetch_add(1, std::memory_order_seq_cst);
    if (fences_) fence_light_notifiers();
    return key;
  }
  // Withdraws the announcement: the condition held after all.
  void cancel_wait() noexcept { sleepers_.fetch_sub(1, std::memory_order_relaxed); }
  // Sleeps for at most `timeout` unless notified since prepare_wait returned
  // `key`, then withdraws the announcement. May return early.
  void wait(std::uint32_t key, std::chrono::nanoseconds timeout) noexcept;

  // The notifying side, after the change.
  // Whether anyone announced a sleep: the read-modify-write of the rules above.
  bool has_sleepers() noexcept { return sleepers_.fetch_or(0, std::memory_order_acq_rel) != 0; }
  // Wakes every sleeper, if there is one.
  void notify() noexcept {
    if (has_sleepers()) wake_all();
  }
  // notify() for a change published by a seq_cst RMW that waiters also do
  // (the rules above say when that is enough).
  void notify_seq_cst() noexcept {
    if (sleepers_.load(std::memory_order_seq_cst) != 0) wake_all();
  }
  // Wakes every sleeper whether or not one announced itself (closing, for one),
  // and rings every armed doorbell.
  void wake_all() noexcept;

 private:
  wait_word& epoch_;
  std::atomic<std::uint32_t>& sleepers_;
  doorbell_slot* bells_ = nullptr;
  std::uint32_t bell_count_ = 0;
  bool fences_ = false;
};

}  // namespace xipc::detail
