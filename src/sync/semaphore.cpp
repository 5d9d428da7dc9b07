#include <xipc/semaphore.hpp>
#include <xipc/detail/config.hpp>
#include <xipc/detail/event_count.hpp>

#include <fmt/format.h>

#include <chrono>
#include <new>

#include "core/no_error.hpp"
#include "core/setup_error.hpp"
#include "sync/event_wait.hpp"
#include "sync/named_sync.hpp"
#include "sync/sync_layout.hpp"
#include "sync/wait_word.hpp"

namespace xipc {
namespace {

constexpr std::string_view object_kind = "semaphore";
// Polls of the count before sleeping, 4 pauses apart: a post usually comes
// from a peer that is running, and a sleep and wake cost tens of µs here.
constexpr int spin_polls = 100;

detail::event_count event_of(detail::semaphore_layout& layout) noexcept { return {layout.epoch, layout.sleepers}; }

// Takes one when the count is positive: errc::would_block at 0,
// errc::corrupted above the largest count.
// Its first look is seq_cst: post's notify is the cheap seq_cst form (event_count.hpp).
std::error_code take_one(detail::semaphore_layout& layout) noexcept {
  std::uint32_t count = layout.count.load(std::memory_order_seq_cst);
  for (;;) {
    if (count > semaphore_max_value) return make_error_code(errc::corrupted);
    if (count == 0) return make_error_code(errc::would_block);
    if (layout.count.compare_exchange_weak(count, count - 1, std::memory_order_acquire, std::memory_order_relaxed)) {
      return detail::no_error;
    }
  }
}

}  // namespace

semaphore semaphore::place(std::span<std::byte> memory, std::uint32_t initial, bool format, detail::failure& why) {
  if (!detail::check_placement(memory, semaphore_bytes, why)) return {};
  if (format) {
    if (initial > semaphore_max_value) {
      why = detail::refuse(errc::invalid_argument,
                           fmt::format("initial count {} is above the largest, {}", initial, semaphore_max_value));
      return {};
    }
    auto* layout = new (memory.data()) detail::semaphore_layout{};
    detail::format_wait_word(layout->epoch);
    layout->version = detail::sync_layout_version;
    layout->count.store(initial, std::memory_order_relaxed);
    layout->magic.store(detail::semaphore_magic, std::memory_order_release);
    return semaphore({}, layout);
  }
  auto* layout = reinterpret_cast<detail::semaphore_layout*>(memory.data());
  const std::uint64_t magic = layout->magic.load(std::memory_order_acquire);
  const std::uint32_t count = layout->count.load(std::memory_order_relaxed);
  if (magic != detail::semaphore_magic || layout->version != detail::sync_layout_version ||
      count > semaphore_max_value) {
    why = detail::refuse(errc::corrupted, fmt::format("no semaphore there: magic 0x{:016x}, version {}, count {}", magic,
                                                      layout->version, count));
    return {};
  }
  return semaphore({}, layout);
}

semaphore semaphore::create(std::string_view name, std::uint32_t initial, const permissions& perms,
                            detail::failure& why) {
  if (initial > semaphore_max_value) {
    why = detail::refuse(errc::invalid_argument,
                         fmt::format("initial count {} is above the largest, {}", initial, semaphore_max_value));
    return {};
  }
  shared_memory region = shared_memory::create(name, semaphore_bytes, {perms}, why, name_kind::semaphore);
  if (why) return {};
  semaphore made = place({region.data(), region.size()}, initial, true, why);
  if (why) return {};
  made.region_ = std::move(region);
  return made;
}

semaphore semaphore::open(std::string_view name, const permissions& perms, detail::failure& why) {
  shared_memory region = detail::sync_regions::open(name, name_kind::semaphore, perms, why);
  if (why) return {};
  semaphore opened = place({region.data(), region.size()}, 0, false, why);
  if (why) return {};
  opened.region_ = std::move(region);
  return opened;
}

semaphore semaphore::create(std::string_view name, std::uint32_t initial, const permissions& perms) {
  return detail::report_or_throw(object_kind, name, [&](auto& why) { return create(name, initial, perms, why); });
}
semaphore semaphore::create(std::string_view name, std::uint32_t initial, std::error_code& ec,
                            const permissions& perms) {
  return detail::report_to(ec, [&](auto& why) { return create(name, initial, perms, why); });
}
semaphore semaphore::open(std::string_view name, const permissions& perms) {
  return detail::report_or_throw(object_kind, name, [&](auto& why) { return open(name, perms, why); });
}
semaphore semaphore::open(std::string_view name, std::error_code& ec, const permissions& perms) {
  return detail::report_to(ec, [&](auto& why) { return open(name, perms, why); });
}
bool semaphore::remove(std::string_view name) {
  return detail::report_or_throw(object_kind, name,
                                 [&](auto& why) { return shared_memory::remove(name, why, name_kind::semaphore); });
}
bool semaphore::remove(std::string_view name, std::error_code& ec) {
  return detail::report_to(ec, [&](auto& why) { return shared_memory::remove(name, why, name_kind::semaphore); });
}
semaphore semaphore::format(std::span<std::byte> memory, std::uint32_t initial) {
  return detail::report_or_throw(object_kind, "(placed)", [&](auto& why) { return place(memory, initial, true, why); });
}
semaphore semaphore::format(std::span<std::byte> memory, std::uint32_t initial, std::error_code& ec) {
  return detail::report_to(ec, [&](auto& why) { return place(memory, initial, true, why); });
}
semaphore semaphore::attach(std::span<std::byte> memory) {
  return detail::report_or_throw(object_kind, "(placed)", [&](auto& why) { return place(memory, 0, false, why); });
}
semaphore semaphore::attach(std::span<std::byte> memory, std::error_code& ec) {
  return detail::report_to(ec, [&](auto& why) { return place(memory, 0, false, why); });
}

std::error_code semaphore::wait(deadline until) noexcept {
  if (layout_ == nullptr) return make_error_code(errc::invalid_argument);
  detail::semaphore_layout& layout = *layout_;
  std::error_code error = take_one(layout);
  if (error != errc::would_block || until.is_immediate()) return error;
  for (int poll = 0; poll < spin_polls; ++poll) {
    for (int pause = 0; pause < 4; ++pause) XIPC_CPU_RELAX();
    if (layout.count.load(std::memory_order_relaxed) == 0) continue;
    error = take_one(layout);
    if (error != errc::would_block) return error;
  }
  // Nobody to watch: a semaphore has no owner whose death would end the wait.
  auto attempt = [&] { return take_one(layout); };
  auto no_owner = [] { return make_error_code(errc::would_block); };
  return detail::sleep_until(event_of(layout), attempt, no_owner, until,
                             std::chrono::steady_clock::now() + detail::liveness_interval);
}

bool semaphore::try_wait() noexcept { return !wait(deadline::immediately()); }

std::error_code semaphore::post(std::uint32_t count) noexcept {
  if (layout_ == nullptr || count == 0) return make_error_code(errc::invalid_argument);
  detail::semaphore_layout& layout = *layout_;
  std::uint32_t now = layout.count.load(std::memory_order_relaxed);
  for (;;) {
    if (now > semaphore_max_value) return make_error_code(errc::corrupted);
    if (count > semaphore_max_value - now) return make_error_code(errc::invalid_argument);
    if (layout.count.compare_exchange_weak(now, now + count, std::memory_order_seq_cst, std::memory_order_relaxed)) {
      break;
    }
  }
  // The count changed by a seq_cst RMW and a waiter's last look at it is a
  // seq_cst load after its seq_cst announcement: in the single order of the
  // four, either this load sees the announcement or that look sees the count.
  event_of(layout).notify_seq_cst();
  return detail::no_error;
}

std::uint32_t semaphore::value() const noexcept {
  return layout_ != nullptr ? layout_->count.load(std::memory_order_acquire) : 0;
}

}  // namespace xipc
