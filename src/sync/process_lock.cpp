#include "sync/process_lock.hpp"

#include <xipc/detail/config.hpp>

#include <algorithm>
#include <chrono>

#include "backend/process_identity.hpp"
#include "sync/event_wait.hpp"

namespace xipc::detail {
namespace {

using clock = std::chrono::steady_clock;

// Polls before sleeping: the lock is held for one short queue operation.
constexpr int spin_polls = 100;

event_count event_of(process_lock_word& word) noexcept { return {word.sequence, word.sleepers}; }

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
  // Sleep until unlock notifies; every liveness_interval, take the lock over
  // if its holder has died holding it.
  bool recovered = false;
  auto attempt = [&] { return try_take(word, mine) ? std::error_code{} : make_error_code(errc::would_block); };
  auto take_from_the_dead = [&] {
    std::uint64_t holder = word.holder.load(std::memory_order_acquire);
    if (holder != 0 && !process_alive(holder) &&
        word.holder.compare_exchange_strong(holder, mine, std::memory_order_seq_cst)) {
      recovered = true;
      return std::error_code{};
    }
    return make_error_code(errc::would_block);
  };
  const std::error_code error = sleep_until(event_of(word), attempt, take_from_the_dead, until,
                                            clock::now() + liveness_interval);
  if (error) return lock_result::timed_out;
  return recovered ? lock_result::recovered : lock_result::acquired;
}

}  // namespace xipc::detail
