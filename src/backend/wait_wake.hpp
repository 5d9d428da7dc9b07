// Sleeping on a word in memory shared between processes, and waking the
// sleepers: what the ring's blocking modes, the shm mailbox and the process
// lock stand on. Each backend implements wait_on_word and wake_word (Linux:
// futex on the value; Windows: a named semaphore per key).
#pragma once

#include <chrono>
#include <cstdint>

#include <xipc/detail/wait_word.hpp>

namespace xipc::detail {

// Sleeps while `word.value` holds `expected`, for at most `timeout`. May return
// early (a wake, a signal, or spuriously): callers re-check their condition.
void wait_on_word(wait_word& word, std::uint32_t expected, std::chrono::nanoseconds timeout) noexcept;

// Wakes every thread, in any process, sleeping on `word`. The caller changes
// `word.value` first.
void wake_word(wait_word& word) noexcept;

// Readies a word in a region being formatted: value 0, no waiters, a new key.
void format_wait_word(wait_word& word) noexcept;

// A number no other call of this, in any process, is likely to return: from
// the process token, the clock and a counter. Never 0.
std::uint64_t new_random_key() noexcept;

}  // namespace xipc::detail
