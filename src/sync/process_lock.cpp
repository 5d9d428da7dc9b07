#include "sync/process_lock.hpp"

#include <xipc/detail/config.hpp>

#include <algorithm>
#include <chrono>

#include "backend/process_identity.hpp"
#include "backend/wait_wake.hpp"

namespace xipc::detail {
namespace {

using clock = std::chrono::steady_clock;

// How long a sleeper waits before it checks that the holder still lives.
constexpr auto liveness_interval = std::chrono::milliseconds(20);
// Polls before sleeping: the lock is held for one short queue operation.
constexpr int spin_polls = 100;

bool try_take(process_lock_word& word, std::uint64_t mine) noexcept {
  std::uint64_t expected = 0;
  return word.holder.compare_exchange_strong(expected, mine, std::memory_order_seq_cst);
}

}  // namespace

lock_result lock(process_lock_word& word, deadline until) noexcept {
  const std::uint64_t mine = current_process_token();
  if (try_take(word, mine)) return lock_result::acquired;
  // The lock is held for one short queue operation: a few polls usually see it
  // free, also for an immediate deadline (a try_ call), which never sleeps.
  for (int poll = 0; poll < spin_polls; ++poll) {
    for (int pause = 0; pause < 4; ++pause) XIPC_CPU_RELAX();
    if (word.holder.load(std::memory_order_relaxed) == 0 && try_take(word, mine)) return lock_result::acquired;
  }
  if (until.is_immediate()) {
    // Still held after the polls: taken over if its holder is dead, else given up.
    std::uint64_t holder = word.holder.load(std::memory_order_acquire);
    if (holder != 0 && !process_alive(holder) &&
        word.holder.compare_exchange_strong(holder, mine, std::memory_order_seq_cst)) {
      return lock_result::recovered;
    }
    return lock_result::timed_out;
  }
  for (;;) {
    const std::uint32_t sequence = word.sequence.value.load(std::memory_order_acquire);
    // Announce the sleep, then look once more. Both this RMW and unlock's
    // exchange are seq_cst: either unlock sees a sleeper and wakes it, or the
    // look below sees the lock free.
    word.sleepers.fetch_add(1, std::memory_order_seq_cst);
    if (try_take(word, mine)) {
      word.sleepers.fetch_sub(1, std::memory_order_relaxed);
      return lock_result::acquired;
    }
    const auto now = clock::now();
    if (now >= until.time_point()) {
      word.sleepers.fetch_sub(1, std::memory_order_relaxed);
      return lock_result::timed_out;
    }
    const std::uint64_t holder = word.holder.load(std::memory_order_acquire);
    wait_on_word(word.sequence, sequence, std::min<clock::duration>(until.time_point() - now, liveness_interval));
    word.sleepers.fetch_sub(1, std::memory_order_relaxed);
    // Still the same holder after a whole slice: is it alive?
    std::uint64_t current = word.holder.load(std::memory_order_acquire);
    if (current != 0 && current == holder && clock::now() - now >= liveness_interval && !process_alive(current) &&
        word.holder.compare_exchange_strong(current, mine, std::memory_order_seq_cst)) {
      return lock_result::recovered;
    }
  }
}

void unlock(process_lock_word& word) noexcept {
  word.holder.exchange(0, std::memory_order_seq_cst);
  if (word.sleepers.load(std::memory_order_seq_cst) != 0) {
    word.sequence.value.fetch_add(1, std::memory_order_release);
    wake_word(word.sequence);
  }
}

}  // namespace xipc::detail
