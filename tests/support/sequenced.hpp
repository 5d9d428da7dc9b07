// Messages that check themselves: the size and every byte of message number
// `sequence` follow from the number, so a receiver that expects message n can
// tell a lost, duplicated, reordered or torn message from the right one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace xipc::test {

constexpr std::uint64_t mix(std::uint64_t x) noexcept {
  x ^= x >> 31;
  x *= 0x7fb5d329728ea185ull;
  x ^= x >> 27;
  x *= 0x81dadef4bc2dd44dull;
  return x ^ (x >> 33);
}

// A size from 0 to max_bytes, spread evenly, for message `sequence`.
constexpr std::size_t sequenced_size(std::uint64_t sequence, std::size_t max_bytes) noexcept {
  return static_cast<std::size_t>(mix(sequence) % (max_bytes + 1));
}

// Message `sequence`: its number in the first 8 bytes (as many as fit), then
// a word derived from it, repeated.
inline void fill_sequenced(std::span<std::byte> out, std::uint64_t sequence) noexcept {
  if (out.empty()) return;  // an empty span may have no storage to copy to
  const std::uint64_t word = mix(sequence + 1);
  std::memcpy(out.data(), &sequence, out.size() < 8 ? out.size() : 8);
  for (std::size_t i = 8; i < out.size(); i += 8) {
    const std::span<std::byte> piece = out.subspan(i, out.size() - i < 8 ? out.size() - i : 8);
    std::memcpy(piece.data(), &word, piece.size());
  }
}

inline bool is_sequenced(std::span<const std::byte> in, std::uint64_t sequence, std::size_t max_bytes) noexcept {
  if (in.size() != sequenced_size(sequence, max_bytes)) return false;
  if (in.empty()) return true;
  if (std::memcmp(in.data(), &sequence, in.size() < 8 ? in.size() : 8) != 0) return false;
  const std::uint64_t word = mix(sequence + 1);
  std::size_t i = 0;
  for (i = 8; i + 8 <= in.size(); i += 8) {
    if (std::memcmp(in.data() + i, &word, 8) != 0) return false;
  }
  return i >= in.size() || std::memcmp(in.data() + i, &word, in.size() - i) == 0;
}

}  // namespace xipc::test
