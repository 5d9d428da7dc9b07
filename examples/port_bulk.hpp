// What port_bulk_server and port_bulk_client agree on.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace port_bulk {

inline constexpr const char* name = "xipc-bulk";
inline constexpr std::size_t section_bytes = 16 << 20;

// FNV-1a over the bytes.
inline std::uint64_t checksum(std::span<const std::byte> bytes) {
  std::uint64_t hash = 14695981039346656037ull;
  for (const std::byte b : bytes) hash = (hash ^ static_cast<std::uint8_t>(b)) * 1099511628211ull;
  return hash;
}

}  // namespace port_bulk
