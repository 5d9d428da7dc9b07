#include "backend/wait_wake.hpp"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <climits>
#include <ctime>

namespace xipc::detail {

// The futex is the value itself; `waiters` and `key` are Windows's.
// Not FUTEX_PRIVATE_FLAG: the word lives in memory shared between processes.
void wait_on_word(wait_word& word, std::uint32_t expected, std::chrono::nanoseconds timeout) noexcept {
  if (timeout <= std::chrono::nanoseconds::zero()) return;
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(timeout);
  const timespec relative{static_cast<time_t>(seconds.count()), static_cast<long>((timeout - seconds).count())};
  // EAGAIN (the word changed), EINTR and ETIMEDOUT all mean: go and look again.
  ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word.value), FUTEX_WAIT, expected, &relative, nullptr, 0);
}

void wake_word(wait_word& word, std::uint32_t /*left*/) noexcept {
  ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word.value), FUTEX_WAKE, INT_MAX, nullptr, nullptr, 0);
}

}  // namespace xipc::detail
