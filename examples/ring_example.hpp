// What ring_producer and ring_consumer agree on: the channel's options, the
// message contents, the checksum, and the trailer that ends a run.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <span>

#include <xipc/spsc_ring.hpp>

namespace ring_example {

inline constexpr std::size_t max_message_bytes = 64 * 1024;
inline constexpr xipc::ring_options options{.capacity_bytes = 1 << 20, .max_message_bytes = max_message_bytes};

// Message `sequence`: its number, then bytes derived from it.
inline void fill(std::span<std::byte> message, std::uint64_t sequence) {
  std::memcpy(message.data(), &sequence, sizeof sequence);
  for (std::size_t i = sizeof sequence; i < message.size(); ++i) {
    message[i] = static_cast<std::byte>(sequence * 31 + i);
  }
}

// FNV-1a over every byte of every message, in order.
class checksum {
 public:
  void add(std::span<const std::byte> bytes) {
    for (const std::byte b : bytes) hash_ = (hash_ ^ static_cast<std::uint8_t>(b)) * 1099511628211ull;
  }
  std::uint64_t value() const { return hash_; }

 private:
  std::uint64_t hash_ = 14695981039346656037ull;
};

// The last message of a run; told apart from data by its size and magic.
struct trailer {
  std::uint64_t magic;
  std::uint64_t messages;
  std::uint64_t checksum;
};
inline constexpr std::uint64_t trailer_magic = 0x21444e4543504958ull;  // "XIPCEND!"

inline std::optional<trailer> as_trailer(std::span<const std::byte> message) {
  if (message.size() != sizeof(trailer)) return std::nullopt;
  trailer end;
  std::memcpy(&end, message.data(), sizeof end);
  if (end.magic != trailer_magic) return std::nullopt;
  return end;
}

}  // namespace ring_example
