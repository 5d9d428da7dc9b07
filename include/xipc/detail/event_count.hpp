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
//     if (C) { event.cancel_wait(key); break; }  // 2. look again
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
// Only sleepers not yet woken are woken. `sleepers` holds how many announced
// (the low 8 bits) and the epoch they announced at (the epoch's low 24 bits,
// above them). wake_all moves the epoch on, so a notifier that finds the
// announcement older than the epoch skips the wake: whoever announced at that
// older epoch was woken already, or never sleeps (the backend compares the
// word to its key). Without this, every change made while a woken sleeper
// waits to be scheduled cost its notifier a wake, and on a busy machine that
// was a system call per message (docs/ring.md, "Waking once"). An
// announcement at a newer epoch replaces the count of older ones; a
// withdrawal at an older one changes nothing. A count that reaches 255 stays
// there until the epoch moves: more wakes, never fewer. The epoch is read
// again before each announcement is written, so an announcer never replaces
// a newer one with its older key.
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
// Whether this process can run that fence (asked of the system once).
bool heavy_fence_works() noexcept;

class event_count {
 public:
  event_count(wait_word& epoch, std::atomic<std::uint32_t>& sleepers) noexcept : epoch_(epoch), sleepers_(sleepers) {}
  // An event count whose waiters may also wait on readiness handles, each
  // announced in one of `bell_count` doorbell slots: wake_all rings the armed
  // ones. An armed handle counts as a sleeper (docs/event_loops.md).
  event_count(wait_word& epoch, std::atomic<std::uint32_t>& sleepers, doorbell_slot* bells,
              std::uint32_t bell_count, bool fences = false) noexcept
      : epoch_(epoch), sleepers_(sleepers), bells_(bells), bell_count_(bell_count), fences_(fences) {}

  // The `sleepers` word: how many announced, and at which epoch.
  static constexpr std::uint32_t count_mask = 0xff;
  static constexpr unsigned epoch_shift = 8;
  static constexpr std::uint32_t announced_at(std::uint32_t epoch) noexcept { return epoch << epoch_shift; }
  static constexpr std::uint32_t count_of(std::uint32_t sleepers) noexcept { return sleepers & count_mask; }

  // The waiting side.
  // Announces a sleep; returns the key that wait() and cancel_wait() take.
  std::uint32_t prepare_wait() noexcept {
    // Acquire: an announcement read here comes with the epoch its announcer
    // had read, so the epoch read next is never older than it.
    std::uint32_t seen = sleepers_.load(std::memory_order_acquire);
    for (;;) {
      const std::uint32_t key = epoch_.value.load(std::memory_order_seq_cst);
      std::uint32_t next = announced_at(key) | 1;
      if ((seen & ~count_mask) == announced_at(key)) next = count_of(seen) == count_mask ? seen : seen + 1;
      if (sleepers_.compare_exchange_weak(seen, next, std::memory_order_seq_cst, std::memory_order_acquire)) {
        if (fences_) fence_light_notifiers();
        return key;
      }
    }
  }
  // Withdraws the announcement made with `key`: the condition held after
  // all, or the sleep ended. Nothing to withdraw once a newer announcement
  // replaced it, or the count stuck at its most.
  void cancel_wait(std::uint32_t key) noexcept {
    std::uint32_t seen = sleepers_.load(std::memory_order_relaxed);
    while ((seen & ~count_mask) == announced_at(key) && count_of(seen) != 0 && count_of(seen) != count_mask) {
      if (sleepers_.compare_exchange_weak(seen, seen - 1, std::memory_order_relaxed)) return;
    }
  }
  // Sleeps for at most `timeout` unless notified since prepare_wait returned
  // `key`, then withdraws the announcement. May return early.
  void wait(std::uint32_t key, std::chrono::nanoseconds timeout) noexcept;

  // The notifying side, after the change.
  // Whether `sleepers`, as read after the change, names a sleeper not woken
  // yet: one that announced at the epoch as it is now. The caller's read of
  // `sleepers` is at least acquire, so this read of the epoch is not older
  // than the announcer's.
  bool must_wake(std::uint32_t sleepers) const noexcept {
    return count_of(sleepers) != 0 &&
           (sleepers & ~count_mask) == announced_at(epoch_.value.load(std::memory_order_acquire));
  }
  // Whether a sleeper must be woken: the read-modify-write of the rules above.
  bool has_sleepers() noexcept { return must_wake(sleepers_.fetch_or(0, std::memory_order_acq_rel)); }
  // Wakes every sleeper not woken yet.
  void notify() noexcept {
    if (has_sleepers()) wake_all();
  }
  // notify() for a change published by a seq_cst RMW that waiters also do
  // (the rules above say when that is enough).
  void notify_seq_cst() noexcept {
    if (must_wake(sleepers_.load(std::memory_order_seq_cst))) wake_all();
  }
  // The light notifier's look (the rules above): a plain load, where every
  // waiter fences. Acquire costs nothing more on the CPUs that fence (x86).
  bool has_sleepers_light() const noexcept {
    std::atomic_signal_fence(std::memory_order_seq_cst);
    return must_wake(sleepers_.load(std::memory_order_acquire));
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
