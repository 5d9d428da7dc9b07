// A token that names one process for as long as it lives, so that a peer can
// tell whether the process behind an end of a channel is still there. Each
// backend implements these two functions.
#pragma once

#include <cstdint>

namespace xipc::detail {

// This process's token; never 0 or 1 (those mean "no owner" in the ring).
std::uint64_t current_process_token() noexcept;

// The process id a token names, for messages.
constexpr std::uint32_t token_process_id(std::uint64_t token) noexcept { return static_cast<std::uint32_t>(token >> 32); }

// Whether the process named by `token` is still running. False for a zombie,
// and for a process id that was reused by another process since.
bool process_alive(std::uint64_t token) noexcept;

}  // namespace xipc::detail
