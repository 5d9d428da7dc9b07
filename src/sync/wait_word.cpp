// What every backend's wait_wake shares: readying a word and making keys.
#include <atomic>
#include <chrono>

#include "backend/process_identity.hpp"
#include "backend/wait_wake.hpp"
#include "sync/wait_word.hpp"

namespace xipc::detail {

std::uint64_t new_random_key() noexcept {
  static std::atomic<std::uint64_t> counter{0};
  const auto ticks = static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  // splitmix64's finalizer over the three, so that neighbouring calls differ in every bit.
  std::uint64_t key = current_process_token() ^ (ticks * 0x9E3779B97F4A7C15ull) ^
                      (counter.fetch_add(1, std::memory_order_relaxed) << 48);
  key = (key ^ (key >> 30)) * 0xBF58476D1CE4E5B9ull;
  key = (key ^ (key >> 27)) * 0x94D049BB133111EBull;
  key ^= key >> 31;
  return key != 0 ? key : 1;
}

void format_wait_word(wait_word& word) noexcept {
  word.value.store(0, std::memory_order_relaxed);
  word.waiters.store(0, std::memory_order_relaxed);
  word.key = new_random_key();
}

}  // namespace xipc::detail
