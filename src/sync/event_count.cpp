#include <xipc/detail/event_count.hpp>

#include "backend/wait_wake.hpp"

namespace xipc::detail {

void event_count::wait(std::uint32_t key, std::chrono::nanoseconds timeout) noexcept {
  wait_on_word(epoch_, key, timeout);
  cancel_wait();
}

void event_count::wake_all() noexcept {
  const std::uint32_t left = epoch_.value.fetch_add(1, std::memory_order_release);
  wake_word(epoch_, left);
}

}  // namespace xipc::detail
