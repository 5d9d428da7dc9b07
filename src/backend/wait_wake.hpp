// Sleeping on a word in memory shared between processes, and waking the
// sleepers: what the event count (sync/event_count.hpp) stands on, and with
// it the ring's blocking modes, the shm mailbox and the process lock. Each
// backend implements these two (linux/wait_futex.cpp: futex on the value;
// win32/wait_wake.cpp: a named semaphore per key and value).
#pragma once

#include <chrono>
#include <cstdint>

#include <xipc/detail/wait_word.hpp>

namespace xipc::detail {

// Sleeps while `word.value` holds `expected`, for at most `timeout`. May return
// early (a wake, a signal, or spuriously): callers re-check their condition.
void wait_on_word(wait_word& word, std::uint32_t expected, std::chrono::nanoseconds timeout) noexcept;

// Wakes every thread, in any process, sleeping on `word` while it held
// `left`. The caller moved `word.value` away from `left` first, with a
// fetch_add that returned it: values only ever move on by such increments,
// so each value is left once, and by a caller that wakes its sleepers
// (Windows keeps one semaphore per value slept on; a futex ignores `left`).
void wake_word(wait_word& word, std::uint32_t left) noexcept;

}  // namespace xipc::detail
