#include "backend/wait_wake.hpp"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <climits>
#include <ctime>

namespace xipc::detail {

// The futex is the value itself; `key` is Windows's. `waiters` counts the
// threads inside wait_on_word, so that a wake with nobody in the kernel (an
// event count whose only sleeper is an armed readiness handle, or a sleeper
// still looking) makes no system call: the sleeper counts itself before the
// kernel compares the value, and the kernel orders that comparison after
// the count (futex_wait's barrier); the waker changed the value before it
// reads the count with a read-modify-write. The two read-modify-writes on the
// count are ordered: if the waker's comes later it sees the sleeper, else the
// sleeper's reads from it and the kernel then finds the value changed.
// Not FUTEX_PRIVATE_FLAG: the word lives in memory shared between processes.
void wait_on_word(wait_word& word, std::uint32_t expected, std::chrono::nanoseconds timeout) noexcept {
  if (timeout <= std::chrono::nanoseconds::zero()) return;
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(timeout);
  const timespec relative{static_cast<time_t>(seconds.count()), static_cast<long>((timeout - seconds).count())};
  word.waiters.fetch_add(1, std::memory_order_seq_cst);
  // EAGAIN (the word changed), EINTR and ETIMEDOUT all mean: go and look again.
  ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word.value), FUTEX_WAIT, expected, &relative, nullptr, 0);
  word.waiters.fetch_sub(1, std::memory_order_relaxed);
}

// membarrier(2), Linux 4.16: MEMBARRIER_CMD_GLOBAL_EXPEDITED interrupts only
// the CPUs that run threads of processes registered for it, and returns once
// each has run a full barrier.
namespace {
constexpr int membarrier_query = 0;                       // MEMBARRIER_CMD_QUERY
constexpr int membarrier_global_expedited = 1 << 1;       // MEMBARRIER_CMD_GLOBAL_EXPEDITED
constexpr int membarrier_register_global_expedited = 1 << 2;  // MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED

long membarrier(int command) noexcept { return ::syscall(SYS_membarrier, command, 0, 0); }
}  // namespace

bool register_light_notifier() noexcept {
  static const bool registered = [] {
    const long supported = membarrier(membarrier_query);
    return supported > 0 && (supported & membarrier_global_expedited) != 0 &&
           (supported & membarrier_register_global_expedited) != 0 &&
           membarrier(membarrier_register_global_expedited) == 0;
  }();
  return registered;
}

bool heavy_fence() noexcept { return membarrier(membarrier_global_expedited) == 0; }

void wake_word(wait_word& word, std::uint32_t /*left*/) noexcept {
  if (word.waiters.fetch_add(0, std::memory_order_seq_cst) == 0) return;
  ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word.value), FUTEX_WAKE, INT_MAX, nullptr, nullptr, 0);
}

}  // namespace xipc::detail
