// Readying a wait word (xipc/detail/wait_word.hpp) and making the keys that
// name it, the same on every backend (sync/wait_word.cpp).
#pragma once

#include <cstdint>

#include <xipc/detail/wait_word.hpp>

namespace xipc::detail {

// Readies a word in a region being formatted: value 0, no waiters, a new key.
void format_wait_word(wait_word& word) noexcept;

// A number no other call of this, in any process, is likely to return: from
// the process token, the clock and a counter. Never 0.
std::uint64_t new_random_key() noexcept;

}  // namespace xipc::detail
