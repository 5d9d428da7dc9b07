// Opening a named region that its creator may still be formatting: the
// ring_channel's and the broadcast channel's regions both start with a
// 64-bit magic, stored last (release) by their format call.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>

#include <xipc/shared_memory.hpp>

namespace xipc::detail {

// Waits up to 50 ms for the region's leading magic word to be written, so
// that an opener racing the creator reads a formatted header. A region too
// small for the word, or still unformatted then, is left to the header check.
inline void wait_until_formatted(const shared_memory& memory) {
  if (memory.size() < sizeof(std::uint64_t)) return;
  const auto& magic = *reinterpret_cast<const std::atomic<std::uint64_t>*>(memory.data());
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::milliseconds(50);
  while (magic.load(std::memory_order_acquire) == 0 && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

}  // namespace xipc::detail
