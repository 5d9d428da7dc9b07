#include <xipc/process_mutex.hpp>

#include <fmt/format.h>

#include <new>

#include "backend/process_identity.hpp"
#include "core/no_error.hpp"
#include "core/setup_error.hpp"
#include "sync/named_sync.hpp"
#include "sync/process_lock.hpp"
#include "sync/sync_layout.hpp"
#include "sync/wait_word.hpp"

namespace xipc {
namespace {

constexpr std::string_view object_kind = "process_mutex";

using detail::mutex_state;

mutex_state state_of(const detail::process_mutex_layout& layout) noexcept {
  return static_cast<mutex_state>(layout.state.load(std::memory_order_acquire));
}

void set_state(detail::process_mutex_layout& layout, mutex_state state) noexcept {
  layout.state.store(static_cast<std::uint32_t>(state), std::memory_order_release);
}

}  // namespace

process_mutex process_mutex::place(std::span<std::byte> memory, bool format, detail::failure& why) {
  if (!detail::check_placement(memory, process_mutex_bytes, why)) return {};
  if (format) {
    auto* layout = new (memory.data()) detail::process_mutex_layout{};
    detail::format_wait_word(layout->lock.sequence);
    layout->version = detail::sync_layout_version;
    layout->magic.store(detail::process_mutex_magic, std::memory_order_release);
    return process_mutex({}, layout);
  }
  auto* layout = reinterpret_cast<detail::process_mutex_layout*>(memory.data());
  const std::uint64_t magic = layout->magic.load(std::memory_order_acquire);
  const std::uint32_t state = layout->state.load(std::memory_order_relaxed);
  if (magic != detail::process_mutex_magic || layout->version != detail::sync_layout_version ||
      state > static_cast<std::uint32_t>(mutex_state::not_recoverable)) {
    why = detail::refuse(errc::corrupted, fmt::format("no process_mutex there: magic 0x{:016x}, version {}, state {}",
                                                      magic, layout->version, state));
    return {};
  }
  return process_mutex({}, layout);
}

process_mutex process_mutex::create(std::string_view name, const permissions& perms, detail::failure& why) {
  shared_memory region = shared_memory::create(name, process_mutex_bytes, {perms}, why, name_kind::mutex);
  if (why) return {};
  process_mutex made = place({region.data(), region.size()}, true, why);
  if (why) return {};
  made.region_ = std::move(region);
  return made;
}

process_mutex process_mutex::open(std::string_view name, const permissions& perms, detail::failure& why) {
  shared_memory region = detail::sync_regions::open(name, name_kind::mutex, perms, why);
  if (why) return {};
  process_mutex opened = place({region.data(), region.size()}, false, why);
  if (why) return {};
  opened.region_ = std::move(region);
  return opened;
}

process_mutex process_mutex::create(std::string_view name, const permissions& perms) {
  return detail::report_or_throw(object_kind, name, [&](auto& why) { return create(name, perms, why); });
}
process_mutex process_mutex::create(std::string_view name, std::error_code& ec, const permissions& perms) {
  return detail::report_to(ec, [&](auto& why) { return create(name, perms, why); });
}
process_mutex process_mutex::open(std::string_view name, const permissions& perms) {
  return detail::report_or_throw(object_kind, name, [&](auto& why) { return open(name, perms, why); });
}
process_mutex process_mutex::open(std::string_view name, std::error_code& ec, const permissions& perms) {
  return detail::report_to(ec, [&](auto& why) { return open(name, perms, why); });
}
bool process_mutex::remove(std::string_view name) {
  return detail::report_or_throw(object_kind, name,
                                 [&](auto& why) { return shared_memory::remove(name, why, name_kind::mutex); });
}
bool process_mutex::remove(std::string_view name, std::error_code& ec) {
  return detail::report_to(ec, [&](auto& why) { return shared_memory::remove(name, why, name_kind::mutex); });
}
process_mutex process_mutex::format(std::span<std::byte> memory) {
  return detail::report_or_throw(object_kind, "(placed)", [&](auto& why) { return place(memory, true, why); });
}
process_mutex process_mutex::format(std::span<std::byte> memory, std::error_code& ec) {
  return detail::report_to(ec, [&](auto& why) { return place(memory, true, why); });
}
process_mutex process_mutex::attach(std::span<std::byte> memory) {
  return detail::report_or_throw(object_kind, "(placed)", [&](auto& why) { return place(memory, false, why); });
}
process_mutex process_mutex::attach(std::span<std::byte> memory, std::error_code& ec) {
  return detail::report_to(ec, [&](auto& why) { return place(memory, false, why); });
}

std::error_code process_mutex::lock(deadline until) noexcept {
  if (layout_ == nullptr) return make_error_code(errc::invalid_argument);
  detail::process_mutex_layout& layout = *layout_;
  // The uncontended path: one compare-exchange, then the state on the same line.
  if (!detail::try_take(layout.lock, detail::current_process_token())) {
    switch (detail::lock(layout.lock, until)) {
      case detail::lock_result::timed_out:
        return make_error_code(until.is_immediate() ? errc::would_block : errc::timed_out);
      case detail::lock_result::recovered:
        set_state(layout, mutex_state::owner_died);
        return make_error_code(errc::owner_died);
      case detail::lock_result::acquired:
        break;
    }
  }
  switch (state_of(layout)) {
    case mutex_state::consistent: return detail::no_error;
    // Its last holder took it over from a dead one and died too, before repairing.
    case mutex_state::owner_died: return make_error_code(errc::owner_died);
    case mutex_state::not_recoverable:
      detail::unlock(layout.lock);
      return make_error_code(errc::not_recoverable);
  }
  detail::unlock(layout.lock);
  return make_error_code(errc::corrupted);
}

std::error_code process_mutex::try_lock() noexcept { return lock(deadline::immediately()); }

void process_mutex::unlock() noexcept {
  if (layout_ == nullptr) return;
  const std::uint64_t mine = detail::current_process_token();
  if (state_of(*layout_) == mutex_state::owner_died) {
    // Only the holder changes the state; anyone else's unlock does nothing below.
    if (layout_->lock.holder.load(std::memory_order_acquire) != mine) return;
    set_state(*layout_, mutex_state::not_recoverable);
  }
  // Only the holding process lets go: another one's unlock would end its exclusion.
  detail::unlock_if_held(layout_->lock, mine);
}

std::error_code process_mutex::consistent() noexcept {
  if (layout_ == nullptr) return make_error_code(errc::invalid_argument);
  if (layout_->lock.holder.load(std::memory_order_acquire) != detail::current_process_token()) {
    return make_error_code(errc::invalid_argument);
  }
  if (state_of(*layout_) == mutex_state::owner_died) set_state(*layout_, mutex_state::consistent);
  return {};
}

}  // namespace xipc
