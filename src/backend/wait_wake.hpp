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

// Asymmetric fences between processes, for notifiers on a hot path (the
// ring's; docs/ring.md). A notifier must order its change before its look at
// the sleepers word, a store before a load, which takes a full fence or a
// read-modify-write on every notify. With these, the sleeper pays instead,
// once per sleep.
// Registers this process so that heavy_fence() in any process reaches its
// threads; after that its notifies may look at the sleepers word with a plain
// load, where the sleeper said it fences. Once per process: later calls
// return the first answer. False where the system cannot.
bool register_light_notifier() noexcept;
// Runs a full fence on every CPU that runs a thread of a registered process:
// their stores before it are visible after it, and their loads after it see
// the caller's stores before it. False where the system cannot (then it must
// not be relied on: a sleeper that cannot fence says so, and notifiers use
// the read-modify-write).
bool heavy_fence() noexcept;

}  // namespace xipc::detail
