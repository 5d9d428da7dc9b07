// A hash that is the same in every process and every build, for names that
// must be shortened the same way by everyone who maps them.
#pragma once

#include <cstdint>
#include <string_view>

namespace xipc::detail {

// FNV-1a, 64 bits.
constexpr std::uint64_t stable_hash(std::string_view text) noexcept {
  std::uint64_t hash = 14695981039346656037ull;
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  return hash;
}

}  // namespace xipc::detail
