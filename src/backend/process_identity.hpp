// A token that names one process for as long as it lives, so that a peer can
// tell whether the process behind an end of a channel is still there. Each
// backend implements read_process_token, process_alive and the cache.
#pragma once

#include <atomic>
#include <cstdint>

namespace xipc::detail {

// This process's token once read_process_token has computed it, where the
// backend can tell when a fork makes a new process (it is 0 again in the
// child); 0 before. Each backend defines it.
extern std::atomic<std::uint64_t> process_token_cache;

// Computes this process's token, and caches it where that is safe.
std::uint64_t read_process_token() noexcept;

// This process's token; never 0 or 1 (those mean "no owner" in the ring).
// Inline: every lock and unlock of a process_mutex asks for it.
inline std::uint64_t current_process_token() noexcept {
  const std::uint64_t token = process_token_cache.load(std::memory_order_relaxed);
  return token != 0 ? token : read_process_token();
}

// The process id a token names, for messages.
constexpr std::uint32_t token_process_id(std::uint64_t token) noexcept { return static_cast<std::uint32_t>(token >> 32); }

// Whether the process named by `token` is still running. False for a zombie,
// and for a process id that was reused by another process since.
bool process_alive(std::uint64_t token) noexcept;

}  // namespace xipc::detail
