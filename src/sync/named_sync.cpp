#include "sync/named_sync.hpp"

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>

namespace xipc::detail {

bool check_placement(std::span<std::byte> memory, std::size_t bytes, failure& why) {
  if (memory.size() < bytes) {
    why = refuse(errc::invalid_argument, fmt::format("{} bytes of memory where it takes {}", memory.size(), bytes));
    return false;
  }
  if (reinterpret_cast<std::uintptr_t>(memory.data()) % 8 != 0) {
    why = refuse(errc::invalid_argument, "its memory is not 8-byte aligned");
    return false;
  }
  return true;
}

shared_memory sync_regions::open(std::string_view name, name_kind kind, const permissions& perms, failure& why,
                                 access mode) {
  shared_memory region = shared_memory::open(name, mode, {perms}, why, kind);
  if (why) return {};
  if (region.size() >= sizeof(std::uint64_t)) wait_for_magic(*reinterpret_cast<const std::atomic<std::uint64_t>*>(region.data()));
  return region;
}

bool sync_regions::remove(std::string_view name, name_kind kind, failure& why) {
  return shared_memory::remove(name, why, kind);
}

void wait_for_magic(const std::atomic<std::uint64_t>& magic) noexcept {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::milliseconds(50);
  while (magic.load(std::memory_order_acquire) == 0 && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

}  // namespace xipc::detail
