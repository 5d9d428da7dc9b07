// A lock in memory shared between processes whose holder is a process token
// (process_identity.hpp), so that a waiter can tell when the holder died with
// the lock held and take it over. What the lock protects must then be
// checked or repaired by the new holder: lock() says when that is needed.
// Waiters sleep on an event count (xipc/detail/event_count.hpp) that unlock notifies.
#pragma once

#include <atomic>
#include <cstdint>

#include <xipc/deadline.hpp>
#include <xipc/detail/event_count.hpp>
#include <xipc/detail/wait_word.hpp>

namespace xipc::detail {

struct process_lock_word {
  std::atomic<std::uint64_t> holder;    // 0: free, else the holding process's token
  wait_word sequence;                   // with `sleepers`, the event count that unlock notifies
  std::atomic<std::uint32_t> sleepers;  // waiters that announced a sleep on `sequence`
};
static_assert(std::atomic<std::uint64_t>::is_always_lock_free && std::atomic<std::uint32_t>::is_always_lock_free);

enum class lock_result {
  acquired,
  recovered,  // acquired from a holder that died holding it: repair what it protects
  timed_out,  // `until` passed first (at once for deadline::immediately())
};

// Takes the lock, waiting until `until`; a holder that lives but never lets
// go (stopped, wedged) costs the caller its deadline, never more. An
// immediate deadline polls briefly and never sleeps. Another process's dead
// holder is noticed within about 20 ms of sleeping.
lock_result lock(process_lock_word& word, deadline until) noexcept;

// The fast path of lock(): takes a free lock for the process `mine`, or says it could not.
inline bool try_take(process_lock_word& word, std::uint64_t mine) noexcept {
  std::uint64_t expected = 0;
  return word.holder.compare_exchange_strong(expected, mine, std::memory_order_seq_cst);
}

// unlock() when `mine` holds the lock, in one compare-exchange; else nothing.
inline void unlock_if_held(process_lock_word& word, std::uint64_t mine) noexcept {
  if (word.holder.compare_exchange_strong(mine, 0, std::memory_order_seq_cst)) {
    event_count(word.sequence, word.sleepers).notify_seq_cst();
  }
}

inline void unlock(process_lock_word& word) noexcept {
  // A seq_cst exchange, as lock's compare-exchange is: the cheap notify suffices.
  word.holder.exchange(0, std::memory_order_seq_cst);
  event_count(word.sequence, word.sleepers).notify_seq_cst();
}

}  // namespace xipc::detail
