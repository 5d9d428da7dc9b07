// Sleeping on a 32-bit word in memory shared between processes, and waking
// the sleepers: what the ring's blocking modes stand on. Each backend
// implements these two functions (Linux: futex).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace xipc::detail {

// Sleeps while `word` holds `expected`, for at most `timeout`. May return
// early (a wake, a signal, or spuriously): callers re-check their condition.
void wait_on_word(std::atomic<std::uint32_t>& word, std::uint32_t expected, std::chrono::nanoseconds timeout) noexcept;

// Wakes every thread, in any process, sleeping on `word`.
void wake_word(std::atomic<std::uint32_t>& word) noexcept;

}  // namespace xipc::detail
