#include <xipc/process_condition.hpp>
#include <xipc/detail/event_count.hpp>

#include <fmt/format.h>

#include <chrono>
#include <new>

#include "backend/process_identity.hpp"
#include "core/setup_error.hpp"
#include "sync/named_sync.hpp"
#include "sync/process_lock.hpp"
#include "sync/sync_layout.hpp"
#include "sync/wait_word.hpp"

namespace xipc {
namespace {

constexpr std::string_view object_kind = "process_condition";

detail::event_count event_of(detail::process_condition_layout& layout) noexcept {
  return {layout.epoch, layout.sleepers};
}

// Sleeps until the epoch moves past `key` (a notify) or `until` passes: true
// when notified. Announced already by the caller's prepare_wait.
bool sleep_past(detail::process_condition_layout& layout, std::uint32_t key, deadline until) noexcept {
  using clock = std::chrono::steady_clock;
  detail::event_count event = event_of(layout);
  for (;;) {
    const auto now = clock::now();
    if (now >= until.time_point()) {
      event.cancel_wait(key);
      return false;
    }
    event.wait(key, until.time_point() - now);  // withdraws the announcement
    if (layout.epoch.value.load(std::memory_order_acquire) != key) return true;
    // Woken early (a signal, a stale wake): announce again, and compare with
    // the first key, so that a notify between the two is not slept through.
    if (const std::uint32_t again = event.prepare_wait(); again != key) {
      event.cancel_wait(again);
      return true;
    }
  }
}

}  // namespace

process_condition process_condition::place(std::span<std::byte> memory, bool format, detail::failure& why) {
  if (!detail::check_placement(memory, process_condition_bytes, why)) return {};
  if (format) {
    auto* layout = new (memory.data()) detail::process_condition_layout{};
    detail::format_wait_word(layout->epoch);
    layout->version = detail::sync_layout_version;
    layout->magic.store(detail::process_condition_magic, std::memory_order_release);
    return process_condition({}, layout);
  }
  auto* layout = reinterpret_cast<detail::process_condition_layout*>(memory.data());
  const std::uint64_t magic = layout->magic.load(std::memory_order_acquire);
  if (magic != detail::process_condition_magic || layout->version != detail::sync_layout_version) {
    why = detail::refuse(errc::corrupted,
                         fmt::format("no process_condition there: magic 0x{:016x}, version {}", magic, layout->version));
    return {};
  }
  return process_condition({}, layout);
}

process_condition process_condition::create(std::string_view name, const permissions& perms, detail::failure& why) {
  shared_memory region = shared_memory::create(name, process_condition_bytes, {perms}, why, name_kind::condition);
  if (why) return {};
  process_condition made = place({region.data(), region.size()}, true, why);
  if (why) return {};
  made.region_ = std::move(region);
  return made;
}

process_condition process_condition::open(std::string_view name, const permissions& perms, detail::failure& why) {
  shared_memory region = detail::sync_regions::open(name, name_kind::condition, perms, why);
  if (why) return {};
  process_condition opened = place({region.data(), region.size()}, false, why);
  if (why) return {};
  opened.region_ = std::move(region);
  return opened;
}

process_condition process_condition::create(std::string_view name, const permissions& perms) {
  return detail::report_or_throw(object_kind, name, [&](auto& why) { return create(name, perms, why); });
}
process_condition process_condition::create(std::string_view name, std::error_code& ec, const permissions& perms) {
  return detail::report_to(ec, [&](auto& why) { return create(name, perms, why); });
}
process_condition process_condition::open(std::string_view name, const permissions& perms) {
  return detail::report_or_throw(object_kind, name, [&](auto& why) { return open(name, perms, why); });
}
process_condition process_condition::open(std::string_view name, std::error_code& ec, const permissions& perms) {
  return detail::report_to(ec, [&](auto& why) { return open(name, perms, why); });
}
bool process_condition::remove(std::string_view name) {
  return detail::report_or_throw(object_kind, name,
                                 [&](auto& why) { return shared_memory::remove(name, why, name_kind::condition); });
}
bool process_condition::remove(std::string_view name, std::error_code& ec) {
  return detail::report_to(ec, [&](auto& why) { return shared_memory::remove(name, why, name_kind::condition); });
}
process_condition process_condition::format(std::span<std::byte> memory) {
  return detail::report_or_throw(object_kind, "(placed)", [&](auto& why) { return place(memory, true, why); });
}
process_condition process_condition::format(std::span<std::byte> memory, std::error_code& ec) {
  return detail::report_to(ec, [&](auto& why) { return place(memory, true, why); });
}
process_condition process_condition::attach(std::span<std::byte> memory) {
  return detail::report_or_throw(object_kind, "(placed)", [&](auto& why) { return place(memory, false, why); });
}
process_condition process_condition::attach(std::span<std::byte> memory, std::error_code& ec) {
  return detail::report_to(ec, [&](auto& why) { return place(memory, false, why); });
}

std::error_code process_condition::wait(process_mutex& mutex, deadline until) noexcept {
  if (layout_ == nullptr || mutex.layout_ == nullptr) return make_error_code(errc::invalid_argument);
  detail::process_mutex_layout& held = *mutex.layout_;
  if (held.lock.holder.load(std::memory_order_acquire) != detail::current_process_token()) {
    return make_error_code(errc::invalid_argument);
  }
  if (held.state.load(std::memory_order_acquire) != static_cast<std::uint32_t>(detail::mutex_state::consistent)) {
    return make_error_code(errc::owner_died);
  }
  if (until.is_immediate()) return make_error_code(errc::would_block);
  // Announced before the mutex is let go: whoever takes it next and notifies
  // sees the announcement (event_count's rules), so no notify falls between.
  const std::uint32_t key = event_of(*layout_).prepare_wait();
  detail::unlock(held.lock);
  const bool notified = sleep_past(*layout_, key, until);
  // Taken again under the same deadline: once it has passed, lock() still
  // polls a while before it gives up, so a notifier about to let go is waited for.
  const std::error_code relocked = mutex.lock(until);
  if (relocked == errc::timed_out || relocked == errc::would_block) return make_error_code(errc::busy);
  if (relocked) return relocked;  // owner_died (held), not_recoverable, corrupted
  return notified ? std::error_code{} : make_error_code(errc::timed_out);
}

void process_condition::notify_one() noexcept { notify_all(); }

void process_condition::notify_all() noexcept {
  if (layout_ != nullptr) event_of(*layout_).notify();
}

}  // namespace xipc
