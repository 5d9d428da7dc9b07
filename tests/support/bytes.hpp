// Byte patterns for tests that check what crossed a boundary.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace xipc::test {

// A deterministic pseudo-random byte for position `index` under `seed`.
constexpr std::byte pattern_byte(std::uint64_t seed, std::size_t index) {
  std::uint64_t x = seed * 0x9E3779B97F4A7C15ull + index;
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  return static_cast<std::byte>(x);
}

inline void fill_pattern(std::span<std::byte> out, std::uint64_t seed) {
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = pattern_byte(seed, i);
}

// The first index where `in` departs from the pattern, or in.size() when it matches throughout.
inline std::size_t first_mismatch(std::span<const std::byte> in, std::uint64_t seed) {
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != pattern_byte(seed, i)) return i;
  }
  return in.size();
}

inline std::vector<std::byte> to_bytes(std::string_view text) {
  const auto* first = reinterpret_cast<const std::byte*>(text.data());
  return {first, first + text.size()};
}

}  // namespace xipc::test
