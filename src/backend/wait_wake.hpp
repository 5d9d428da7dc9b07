// Sleeping on a word in memory shared between processes, and waking the
// sleepers: what the event count (sync/event_count.hpp) stands on, and with
// it the ring's blocking modes, the shm mailbox and the process lock. Each
// backend implements these two (linux/wait_futex.cpp: futex on the value;
// win32/wait_wake.cpp: a named semaphore per key).
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

}  // namespace xipc::detail
