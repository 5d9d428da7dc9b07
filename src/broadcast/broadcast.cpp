// Publish/subscribe over fixed-size slots in shared memory (xipc/broadcast.hpp;
// docs/broadcast.md has the protocol and why it is safe).
#include <xipc/broadcast.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <memory>
#include <thread>

#include "backend/process_identity.hpp"
#include "backend/wait_wake.hpp"
#include "core/setup_error.hpp"
#include "sync/event_wait.hpp"
#include "sync/readiness.hpp"
#include "sync/wait_word.hpp"

namespace xipc {
namespace detail {
namespace {

constexpr std::uint64_t max_slot_count = std::uint64_t{1} << 20;
constexpr std::uint64_t max_message_limit = std::uint64_t{16} << 20;
constexpr std::uint64_t max_subscriber_limit = 1024;
constexpr std::uint64_t slot_align = 64;
// The longest sleep of a process that cannot fence on a channel whose
// notifiers count on sleepers fencing (wait_as).
constexpr std::chrono::milliseconds broadcast_unfenced_sleep{1};

std::error_code code(errc e) { return make_error_code(e); }

// Whether a code from take() is would_block. take() makes only xipc codes,
// so the value says it, without the category (a call) that == compares.
bool nothing_yet(const std::error_code& error) noexcept {
  return error.value() == static_cast<int>(errc::would_block);
}

bool is_power_of_two(std::uint64_t n) { return n != 0 && (n & (n - 1)) == 0; }

std::uint64_t slot_stride(std::uint64_t max_message) {
  return (broadcast_slot_head_bytes + max_message + slot_align - 1) / slot_align * slot_align;
}

std::uint64_t bells_offset(std::uint64_t max_subscribers) {
  return broadcast_subscribers_offset + max_subscribers * sizeof(broadcast_subscriber_line);
}

std::uint64_t slots_offset(std::uint64_t max_subscribers) {
  const std::uint64_t end = bells_offset(max_subscribers) + max_subscribers * sizeof(doorbell_slot);
  return (end + broadcast_line_bytes - 1) / broadcast_line_bytes * broadcast_line_bytes;
}

// Why the options cannot make a channel; empty when they can.
std::string options_problem(const broadcast_options& options) {
  if (!is_power_of_two(options.slot_count) || options.slot_count < 2 || options.slot_count > max_slot_count) {
    return fmt::format("slot_count {} is not a power of two from 2 to {}", options.slot_count, max_slot_count);
  }
  if (options.max_message_bytes == 0 || options.max_message_bytes > max_message_limit) {
    return fmt::format("max_message_bytes {} is not from 1 to {}", options.max_message_bytes, max_message_limit);
  }
  if (options.max_subscribers == 0 || options.max_subscribers > max_subscriber_limit) {
    return fmt::format("max_subscribers {} is not from 1 to {}", options.max_subscribers, max_subscriber_limit);
  }
  if (options.policy != slow_subscriber::overtake && options.policy != slow_subscriber::wait) {
    return fmt::format("policy {} is neither overtake nor wait", static_cast<int>(options.policy));
  }
  return {};
}

// The subscribers sleep on `messages`, and their readiness handles are rung with it.
event_count messages_event(const broadcast_geometry& geometry) noexcept {
  return event_count(geometry.layout->messages.word, geometry.layout->messages.sleepers, geometry.bells,
                     static_cast<std::uint32_t>(geometry.max_subscribers), geometry.sleepers_fence);
}

// The publisher sleeps on `room`, and its readiness handle is rung with it.
event_count room_event(const broadcast_geometry& geometry) noexcept {
  return event_count(geometry.layout->room.word, geometry.layout->room.sleepers, &geometry.layout->room.bell, 1,
                     geometry.sleepers_fence);
}

// Makes an end's readiness point on first use: a doorbell, named in one of `slots`.
bool open_point(readiness_point*& point, std::span<doorbell_slot> slots, std::string_view what, failure& why) {
  if (point != nullptr) return true;
  auto made = std::make_unique<readiness_point>();
  if (!made->open(slots, what, why)) return false;
  point = made.release();
  return true;
}

void close_point(readiness_point*& point, event_count event) noexcept {
  if (point == nullptr) return;
  point->release(event);
  delete point;
  point = nullptr;
}

// The sequence lock's two fences. GCC's ThreadSanitizer does not model
// atomic_thread_fence (it refuses to build it), so sanitized builds use a
// read-modify-write for the writer's and an acquire load for the reader's;
// both are at least as strong on x86, where ThreadSanitizer runs.
#if defined(__SANITIZE_THREAD__)
#define XIPC_BROADCAST_NO_FENCES 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define XIPC_BROADCAST_NO_FENCES 1
#endif
#endif

// Marks a slot as being written, before any byte of the new message is.
void mark_writing(broadcast_slot_head& head, std::uint64_t stamp) noexcept {
#ifdef XIPC_BROADCAST_NO_FENCES
  head.stamp.exchange(stamp, std::memory_order_acq_rel);
#else
  head.stamp.store(stamp, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
#endif
}

// The stamp again, after the copy, with the copy's loads ordered before it.
std::uint64_t stamp_after_copy(const broadcast_slot_head& head) noexcept {
#ifdef XIPC_BROADCAST_NO_FENCES
  return head.stamp.load(std::memory_order_acquire);
#else
  std::atomic_thread_fence(std::memory_order_acquire);
  return head.stamp.load(std::memory_order_relaxed);
#endif
}

// Copies a slot's payload for a reader that checks the stamp afterwards.
// The publisher may be rewriting those bytes meanwhile (a sequence lock's
// reader); the copy is then thrown away, never used. ThreadSanitizer is told
// not to watch it: the race is the protocol, and the stamp catches it.
#if defined(__clang__) || defined(__GNUC__)
__attribute__((no_sanitize("thread")))
#endif
void copy_racing(std::byte* to, const std::byte* from, std::size_t size) noexcept {
  std::memcpy(to, from, size);
}

// Waits as `policy` says: spins (for the budget, or for ever in spin mode,
// looking at the peer every liveness interval), then sleeps on `event`.
// `short_sleeps`: this process cannot fence where the channel's notifiers
// count on it (broadcast_geometry::cannot_fence), so a wake-up may be
// missed, and no sleep lasts longer than broadcast_unfenced_sleep.
template <class Attempt, class Watch>
std::error_code wait_as(const wait_policy& policy, event_count event, Attempt&& attempt, Watch&& watch,
                        deadline until, bool short_sleeps) noexcept {
  using clock = std::chrono::steady_clock;
  std::error_code error = attempt();
  if (error != errc::would_block || until.is_immediate()) return error;
  const auto start = clock::now();
  auto next_watch = start + liveness_interval;
  if (policy.mode != wait_mode::block) {
    for (;;) {
      for (int i = 0; i < 64; ++i) {
        XIPC_CPU_RELAX();
        error = attempt();
        if (error != errc::would_block) return error;
      }
      const auto now = clock::now();
      if (now >= until.time_point()) return code(errc::timed_out);
      if (now >= next_watch) {
        error = watch();
        if (error != errc::would_block) return error;
        next_watch = now + liveness_interval;
      }
      if (policy.mode == wait_mode::adaptive && now - start >= policy.spin_budget) break;
      yield_if_long(policy.mode, start, now);
    }
  }
  if (!short_sleeps) return sleep_until(event, attempt, watch, until, next_watch);
  for (;;) {
    const auto now = clock::now();
    if (now >= next_watch) {
      error = watch();
      if (error != errc::would_block) return error;
      next_watch = now + liveness_interval;
    }
    const deadline nap = deadline::at(std::min(until.time_point(), now + broadcast_unfenced_sleep));
    error = sleep_until(event, attempt, watch, nap, clock::time_point::max());
    if (error != errc::timed_out || clock::now() >= until.time_point()) return error;
  }
}

}  // namespace

bool read_broadcast_geometry(std::span<std::byte> memory, broadcast_geometry& geometry, failure& why) {
  if (reinterpret_cast<std::uintptr_t>(memory.data()) % broadcast_line_bytes != 0 ||
      memory.size() < sizeof(broadcast_layout)) {
    why = refuse(errc::invalid_argument,
                 fmt::format("{} bytes at {}: too small or not aligned to {} for a broadcast channel", memory.size(),
                             static_cast<const void*>(memory.data()), broadcast_line_bytes));
    return false;
  }
  auto* layout = reinterpret_cast<broadcast_layout*>(memory.data());
  const broadcast_header& header = layout->header;
  if (header.magic.load(std::memory_order_acquire) != broadcast_magic) {
    why = refuse(errc::corrupted, "no broadcast channel here (bad magic): not formatted, or another object");
    return false;
  }
  // Copied once; the copy is what is checked and used.
  const std::uint32_t version = header.layout_version;
  const std::uint32_t policy = header.policy;
  const std::uint64_t slot_count = header.slot_count;
  const std::uint64_t slot_bytes = header.slot_bytes;
  const std::uint64_t max_message = header.max_message_bytes;
  const std::uint64_t max_subscribers = header.max_subscribers;
  const std::uint64_t memory_bytes = header.memory_bytes;
  const std::uint32_t sleepers = header.sleepers;
  if (version != broadcast_layout_version) {
    why = refuse(errc::corrupted, fmt::format("layout version {}, this side reads {}", version, broadcast_layout_version));
    return false;
  }
  if (sleepers != broadcast_sleepers_plain && sleepers != broadcast_sleepers_fence) {
    why = refuse(errc::corrupted, fmt::format("the header says sleepers {}, neither plain ({}) nor fence ({})", sleepers,
                                              broadcast_sleepers_plain, broadcast_sleepers_fence));
    return false;
  }
  broadcast_options options;
  options.slot_count = static_cast<std::size_t>(std::min<std::uint64_t>(slot_count, SIZE_MAX));
  options.max_message_bytes = static_cast<std::size_t>(std::min<std::uint64_t>(max_message, SIZE_MAX));
  options.max_subscribers = static_cast<std::size_t>(std::min<std::uint64_t>(max_subscribers, SIZE_MAX));
  options.policy = static_cast<slow_subscriber>(policy);
  if (const std::string problem = options_problem(options); !problem.empty()) {
    why = refuse(errc::corrupted, "the header says " + problem);
    return false;
  }
  if (slot_bytes != slot_stride(max_message) || memory_bytes != broadcast_memory_bytes(options) ||
      memory_bytes > memory.size()) {
    why = refuse(errc::corrupted, fmt::format("the header says slots of {} bytes and {} bytes in all; its options need "
                                              "{} and {}, and the memory holds {}",
                                              slot_bytes, memory_bytes, slot_stride(max_message),
                                              broadcast_memory_bytes(options), memory.size()));
    return false;
  }
  geometry.layout = layout;
  geometry.subscribers = reinterpret_cast<broadcast_subscriber_line*>(memory.data() + broadcast_subscribers_offset);
  geometry.bells = reinterpret_cast<doorbell_slot*>(memory.data() + bells_offset(max_subscribers));
  geometry.slots = memory.data() + slots_offset(max_subscribers);
  geometry.slot_count = slot_count;
  geometry.slot_bytes = slot_bytes;
  geometry.max_message = max_message;
  geometry.max_subscribers = max_subscribers;
  geometry.policy = options.policy;
  geometry.sleepers_fence = sleepers == broadcast_sleepers_fence && heavy_fence_works();
  geometry.cannot_fence = sleepers == broadcast_sleepers_fence && !heavy_fence_works();
  return true;
}

}  // namespace detail

std::size_t broadcast_memory_bytes(const broadcast_options& options) noexcept {
  if (!detail::options_problem(options).empty()) return 0;
  return static_cast<std::size_t>(detail::slots_offset(options.max_subscribers) +
                                  options.slot_count * detail::slot_stride(options.max_message_bytes));
}

std::error_code format_broadcast(std::span<std::byte> memory, const broadcast_options& options) noexcept {
  const std::size_t needed = broadcast_memory_bytes(options);
  if (needed == 0 || memory.size() < needed ||
      reinterpret_cast<std::uintptr_t>(memory.data()) % detail::broadcast_line_bytes != 0) {
    return detail::code(errc::invalid_argument);
  }
  auto* layout = reinterpret_cast<detail::broadcast_layout*>(memory.data());
  auto& header = layout->header;
  header.layout_version = detail::broadcast_layout_version;
  header.policy = static_cast<std::uint32_t>(options.policy);
  header.slot_count = options.slot_count;
  header.slot_bytes = detail::slot_stride(options.max_message_bytes);
  header.max_message_bytes = options.max_message_bytes;
  header.max_subscribers = options.max_subscribers;
  header.memory_bytes = needed;
  header.sleepers = detail::heavy_fence_works() ? detail::broadcast_sleepers_fence : detail::broadcast_sleepers_plain;
  header.unused = 0;
  layout->messages.word.key = detail::new_random_key();
  layout->room.word.key = detail::new_random_key();
  layout->room.wanted.store(0, std::memory_order_relaxed);
  auto* places = reinterpret_cast<detail::broadcast_subscriber_line*>(memory.data() + detail::broadcast_subscribers_offset);
  for (std::size_t i = 0; i < options.max_subscribers; ++i) {
    places[i].cursor.store(detail::broadcast_no_cursor, std::memory_order_relaxed);
  }
  header.magic.store(detail::broadcast_magic, std::memory_order_release);
  return {};
}

// ---- the publisher

broadcast_publisher& broadcast_publisher::operator=(broadcast_publisher&& other) noexcept {
  if (this != &other) {
    detach();
    geometry_ = std::exchange(other.geometry_, {});
    policy_ = other.policy_;
    next_ = other.next_;
    bound_ = other.bound_;
    prepared_size_ = other.prepared_size_;
    token_ = other.token_;
    light_notify_ = other.light_notify_;
    readiness_ = std::exchange(other.readiness_, nullptr);
  }
  return *this;
}

namespace {

// Whether an end may look at the other side's sleepers with a plain load:
// the header says they fence (or sleep briefly), and this process is
// registered for their fences.
bool may_notify_light(const detail::broadcast_geometry& geometry) noexcept {
  return (geometry.sleepers_fence || geometry.cannot_fence) && detail::register_light_notifier();
}

}  // namespace

broadcast_publisher broadcast_publisher::attach(std::span<std::byte> memory, wait_policy policy, detail::failure& why) {
  broadcast_publisher made;
  if (!detail::read_broadcast_geometry(memory, made.geometry_, why)) return {};
  auto& line = made.geometry_.layout->publisher;
  made.token_ = detail::current_process_token();
  std::uint64_t owner = line.owner.load(std::memory_order_acquire);
  for (;;) {
    const bool free = owner == detail::broadcast_owner_none || owner == detail::broadcast_owner_detached ||
                      !detail::process_alive(owner);
    if (!free) {
      why = detail::refuse(errc::busy, "another publisher is attached, and its process lives");
      made.geometry_ = {};
      return {};
    }
    if (line.owner.compare_exchange_weak(owner, made.token_, std::memory_order_acq_rel)) break;
  }
  // A publisher that died goes on from its last committed message; a
  // message it was writing is written again. One it completed but died
  // before counting in `published` may already have been read: it is
  // counted now, never written again under the same number.
  made.next_ = line.published.load(std::memory_order_acquire);
  if (made.geometry_.head(made.next_).stamp.load(std::memory_order_acquire) == 2 * made.next_ + 2) {
    ++made.next_;
    line.published.store(made.next_, std::memory_order_release);
  }
  made.bound_ = made.next_;  // the waiting policy scans before its first message
  made.policy_ = policy;
  made.light_notify_ = may_notify_light(made.geometry_);
  return made;
}

broadcast_publisher broadcast_publisher::attach(std::span<std::byte> memory, wait_policy policy) {
  return detail::report_or_throw("broadcast_publisher", "memory", [&](auto& why) { return attach(memory, policy, why); });
}

broadcast_publisher broadcast_publisher::attach(std::span<std::byte> memory, wait_policy policy, std::error_code& ec) {
  return detail::report_to(ec, [&](auto& why) { return attach(memory, policy, why); });
}

std::uint64_t broadcast_publisher::lowest_cursor() const noexcept {
  std::uint64_t lowest = next_;
  for (std::uint64_t i = 0; i < geometry_.max_subscribers; ++i) {
    const auto& place = geometry_.subscribers[i];
    if (place.owner.load(std::memory_order_seq_cst) == 0) continue;
    const std::uint64_t cursor = place.cursor.load(std::memory_order_seq_cst);
    // A cursor past what was published holds nothing back: a place being
    // taken or given up, or one a broken subscriber wrote.
    if (cursor <= next_) lowest = std::min(lowest, cursor);
  }
  return lowest;
}

bool broadcast_publisher::room() noexcept {
  if (next_ < bound_) return true;
  // The fence against joiners this scan does not see: the guard says which
  // messages may be overwritten, and a joiner that stores its cursor, then
  // reads the guard, starts at or after it. Either this second scan sees the
  // joiner's cursor or the joiner sees the guard (both sides seq_cst).
  // Cursors that keep moving down between two scans are joiners, or a
  // hostile process; after a few rounds the publisher says "no room yet"
  // rather than spin for it.
  std::uint64_t lowest = lowest_cursor();
  for (int round = 0;; ++round) {
    if (round == 16) return false;
    geometry_.layout->publisher.guard.store(lowest, std::memory_order_seq_cst);
    const std::uint64_t again = lowest_cursor();
    if (again >= lowest) break;
    lowest = again;
  }
  bound_ = lowest + geometry_.slot_count;
  return next_ < bound_;
}

// Before each wait for room: the cursor at which the slowest subscriber has
// freed `batch` slots, and wakes this publisher (docs/broadcast.md, "Waking
// the publisher"). Stored before the wait's scans of the cursors, seq_cst as
// they are, so that a subscriber's step is seen by a scan or sees this value.
void broadcast_publisher::want_room(std::uint64_t batch) noexcept {
  const std::uint64_t wanted = next_ + batch > geometry_.slot_count ? next_ + batch - geometry_.slot_count : 0;
  auto& line = geometry_.layout->room.wanted;
  if (line.load(std::memory_order_relaxed) != wanted) line.store(wanted, std::memory_order_seq_cst);
}

bool broadcast_publisher::reclaim_dead() noexcept {
  bool freed = false;
  for (std::uint64_t i = 0; i < geometry_.max_subscribers; ++i) {
    auto& place = geometry_.subscribers[i];
    std::uint64_t owner = place.owner.load(std::memory_order_acquire);
    if (owner <= detail::broadcast_place_reclaiming || detail::process_alive(owner)) continue;
    // Marked first, so that a joiner taking the same dead place over at
    // once never has its new cursor overwritten here.
    if (!place.owner.compare_exchange_strong(owner, detail::broadcast_place_reclaiming, std::memory_order_acq_rel)) {
      continue;
    }
    place.cursor.store(detail::broadcast_no_cursor, std::memory_order_seq_cst);
    place.owner.store(0, std::memory_order_release);
    freed = true;
  }
  return freed;
}

write_slot broadcast_publisher::prepare(std::size_t size, deadline until) noexcept {
  if (!is_attached()) return {{}, detail::code(errc::invalid_argument)};
  if (size > geometry_.max_message) return {{}, detail::code(errc::message_too_large)};
  if (geometry_.policy == slow_subscriber::wait && !room()) {
    // A sleep ends once a quarter of the slots are free, not at each one: the
    // publisher then has work for a while. A subscriber that stops earlier
    // costs it at most a liveness interval, after which it looks again.
    want_room(std::max<std::uint64_t>(1, geometry_.slot_count / 4));
    auto attempt = [&] { return room() ? std::error_code{} : detail::code(errc::would_block); };
    // A subscriber that died holds the publisher back until it is reclaimed.
    auto watch = [&] {
      if (reclaim_dead()) bound_ = next_;
      return detail::code(errc::would_block);
    };
    const std::error_code error =
        detail::wait_as(policy_, detail::room_event(geometry_), attempt, watch, until,
                        geometry_.cannot_fence);
    if (error) return {{}, error};
  }
  detail::mark_writing(geometry_.head(next_), 2 * next_ + 1);
  prepared_size_ = size;
  return {std::span(geometry_.payload(next_), size), {}};
}

void broadcast_publisher::commit(std::size_t size) noexcept {
  auto& head = geometry_.head(next_);
  head.size.store(std::min(size, prepared_size_), std::memory_order_relaxed);
  head.stamp.store(2 * next_ + 2, std::memory_order_release);
  ++next_;
  auto& published = geometry_.layout->publisher.published;
  detail::event_count messages = detail::messages_event(geometry_);
  if (light_notify_) {
    // Subscribers fence between announcing a sleep and their last look, so
    // a plain load of the sleepers after the store will do
    // (xipc/detail/event_count.hpp): no fence per message, which would wait
    // for this message's lines to leave this CPU (docs/broadcast.md).
    published.store(next_, std::memory_order_release);
    if (messages.has_sleepers_light()) messages.wake_all();
    return;
  }
  // Seq_cst store, then a seq_cst look at the sleepers: a subscriber that
  // announced a sleep, then looks at `published` (seq_cst too), either sees
  // this message or is seen here (event_count::notify_seq_cst). No
  // read-modify-write on a line every subscriber reads, per message.
  published.store(next_, std::memory_order_seq_cst);
  messages.notify_seq_cst();
}

std::error_code broadcast_publisher::send(std::span<const std::byte> message, deadline until) noexcept {
  const write_slot slot = prepare(message.size(), until);
  if (!slot) return slot.error;
  if (!message.empty()) std::memcpy(slot.bytes.data(), message.data(), message.size());
  commit(message.size());
  return {};
}

std::size_t broadcast_publisher::subscriber_count() const noexcept {
  if (!is_attached()) return 0;
  std::size_t count = 0;
  for (std::uint64_t i = 0; i < geometry_.max_subscribers; ++i) {
    if (geometry_.subscribers[i].owner.load(std::memory_order_acquire) > detail::broadcast_place_reclaiming) ++count;
  }
  return count;
}

std::error_code broadcast_publisher::wait_for_subscribers(std::size_t count, deadline until) noexcept {
  if (!is_attached() || count > geometry_.max_subscribers) return detail::code(errc::invalid_argument);
  auto attempt = [&] { return subscriber_count() >= count ? std::error_code{} : detail::code(errc::would_block); };
  auto watch = [&] {
    reclaim_dead();
    return detail::code(errc::would_block);
  };
  const wait_policy sleeping{wait_mode::block, {}};
  return detail::wait_as(sleeping, detail::room_event(geometry_), attempt, watch, until, geometry_.cannot_fence);
}

void broadcast_publisher::detach() noexcept {
  if (!is_attached()) return;
  detail::close_point(readiness_, detail::room_event(geometry_));
  auto& line = geometry_.layout->publisher;
  std::uint64_t mine = token_;
  line.owner.compare_exchange_strong(mine, detail::broadcast_owner_detached, std::memory_order_acq_rel);
  detail::messages_event(geometry_).notify();
  geometry_ = {};
}

// ---- a subscriber

broadcast_subscriber& broadcast_subscriber::operator=(broadcast_subscriber&& other) noexcept {
  if (this != &other) {
    detach();
    geometry_ = std::exchange(other.geometry_, {});
    place_ = std::exchange(other.place_, nullptr);
    policy_ = other.policy_;
    cursor_ = other.cursor_;
    lost_ = other.lost_;
    pending_lost_ = other.pending_lost_;
    token_ = other.token_;
    dead_owner_ = other.dead_owner_;
    light_notify_ = other.light_notify_;
    held_stamp_ = std::exchange(other.held_stamp_, 0);
    held_size_ = other.held_size_;
    readiness_ = std::exchange(other.readiness_, nullptr);
  }
  return *this;
}

broadcast_subscriber broadcast_subscriber::attach(std::span<std::byte> memory, wait_policy policy,
                                                  detail::failure& why) {
  broadcast_subscriber made;
  if (!detail::read_broadcast_geometry(memory, made.geometry_, why)) return {};
  made.token_ = detail::current_process_token();
  made.policy_ = policy;
  made.light_notify_ = may_notify_light(made.geometry_);
  // A free place, or one whose subscriber died.
  for (std::uint64_t i = 0; i < made.geometry_.max_subscribers && made.place_ == nullptr; ++i) {
    auto& place = made.geometry_.subscribers[i];
    std::uint64_t owner = place.owner.load(std::memory_order_acquire);
    if (owner == detail::broadcast_place_reclaiming || (owner != 0 && detail::process_alive(owner))) continue;
    if (place.owner.compare_exchange_strong(owner, made.token_, std::memory_order_acq_rel)) made.place_ = &place;
  }
  if (made.place_ == nullptr) {
    why = detail::refuse(errc::busy, fmt::format("all {} subscriber places are held by live subscribers",
                                                 made.geometry_.max_subscribers));
    made.geometry_ = {};
    return {};
  }
  // Joins at what is published now. Under the waiting policy, the publisher
  // may already overwrite messages it fenced off with its guard before it
  // saw this place: the join moves past them (docs/broadcast.md).
  auto& publisher = made.geometry_.layout->publisher;
  std::uint64_t cursor = publisher.published.load(std::memory_order_acquire);
  made.place_->cursor.store(cursor, std::memory_order_seq_cst);
  if (made.geometry_.policy == slow_subscriber::wait) {
    const std::uint64_t guard = publisher.guard.load(std::memory_order_seq_cst);
    const std::uint64_t published = publisher.published.load(std::memory_order_acquire);
    if (guard > cursor && guard <= published) {
      cursor = guard;
      made.place_->cursor.store(cursor, std::memory_order_seq_cst);
    }
  }
  made.cursor_ = cursor;
  detail::room_event(made.geometry_).notify();  // wait_for_subscribers
  return made;
}

broadcast_subscriber broadcast_subscriber::attach(std::span<std::byte> memory, wait_policy policy) {
  return detail::report_or_throw("broadcast_subscriber", "memory", [&](auto& why) { return attach(memory, policy, why); });
}

broadcast_subscriber broadcast_subscriber::attach(std::span<std::byte> memory, wait_policy policy,
                                                  std::error_code& ec) {
  return detail::report_to(ec, [&](auto& why) { return attach(memory, policy, why); });
}

void broadcast_subscriber::advance_cursor() noexcept {
  if (geometry_.policy == slow_subscriber::overtake) {
    place_->cursor.store(cursor_, std::memory_order_release);  // nobody waits for it
    return;
  }
  // Seq_cst store, then a seq_cst look at the publisher's sleep: it looks at
  // the cursors (seq_cst) after announcing it, so one of the two sees the
  // other. Only where this step reaches the cursor the publisher waits for
  // (under this policy every step is one message): subscribers ahead of it
  // do not wake it for nothing. The publisher stores `wanted` (seq_cst)
  // before it scans the cursors, so either its scan sees this step or this
  // load sees its `wanted`.
  auto& wanted_line = geometry_.layout->room.wanted;
  if (light_notify_) {
    // The publisher fences between announcing its sleep and its last scan of
    // the cursors, after storing `wanted`: either that scan sees this step,
    // or these plain loads see `wanted` and its announcement.
    place_->cursor.store(cursor_, std::memory_order_release);
    std::atomic_signal_fence(std::memory_order_seq_cst);
    const std::uint64_t wanted = wanted_line.load(std::memory_order_acquire);
    if (cursor_ - 1 < wanted && wanted <= cursor_) {
      detail::event_count room = detail::room_event(geometry_);
      if (room.has_sleepers_light()) room.wake_all();
    }
    return;
  }
  place_->cursor.store(cursor_, std::memory_order_seq_cst);
  const std::uint64_t wanted = wanted_line.load(std::memory_order_seq_cst);
  if (cursor_ - 1 < wanted && wanted <= cursor_) detail::room_event(geometry_).notify_seq_cst();
}

bool broadcast_subscriber::publisher_gone() const noexcept {
  const std::uint64_t owner = geometry_.layout->publisher.owner.load(std::memory_order_acquire);
  return owner == detail::broadcast_owner_detached || (owner != detail::broadcast_owner_none && owner == dead_owner_);
}

void broadcast_subscriber::look_at_publisher() noexcept {
  const std::uint64_t owner = geometry_.layout->publisher.owner.load(std::memory_order_acquire);
  if (owner > detail::broadcast_owner_detached && !detail::process_alive(owner)) dead_owner_ = owner;
}

void broadcast_subscriber::take(broadcast_received& result, std::span<std::byte> buffer, bool in_place) noexcept {
  result = {};
  auto& publisher = geometry_.layout->publisher;
  // Each look either returns or moves on; a publisher that keeps changing a
  // stamp under the reader gets would_block after this many, not a hang.
  for (int looks = 0; looks < 1024; ++looks) {
    const std::uint64_t r = cursor_;
    auto& head = geometry_.head(r);
    const std::uint64_t stamp = head.stamp.load(std::memory_order_acquire);
    if (stamp == 2 * r + 2) {
      const std::uint64_t size = head.size.load(std::memory_order_relaxed);
      if (in_place) {
        if (detail::stamp_after_copy(head) != stamp) continue;  // the size may be the next lap's
        if (size > geometry_.max_message) {
          result.error = detail::code(errc::corrupted);
          return;
        }
        result.bytes = static_cast<std::size_t>(size);
        result.lost = std::exchange(pending_lost_, 0);
        held_stamp_ = stamp;
        held_size_ = result.bytes;
        return;
      }
      const bool fits = size <= buffer.size() && size <= geometry_.max_message;
      if (fits && size != 0) detail::copy_racing(buffer.data(), geometry_.payload(r), static_cast<std::size_t>(size));
      if (detail::stamp_after_copy(head) != stamp) continue;  // overwritten meanwhile: lost, seen next look
      if (size > geometry_.max_message) {
        result.error = detail::code(errc::corrupted);
        return;
      }
      result.bytes = static_cast<std::size_t>(size);
      if (!fits) {
        result.error = detail::code(errc::message_too_large);
        return;
      }
      result.lost = std::exchange(pending_lost_, 0);
      cursor_ = r + 1;
      advance_cursor();
      return;
    }
    // The sequence the slot holds or is being written with.
    const std::uint64_t holds = stamp == 0 ? 0 : (stamp - 1) / 2;
    if (stamp == 0 || holds < r || (holds == r && stamp % 2 == 1)) {
      // Not there yet, unless the publisher says it published it.
      // Seq_cst: the publisher's notify_seq_cst (commit) relies on it.
      const std::uint64_t published = publisher.published.load(std::memory_order_seq_cst);
      if (published <= r) {
        if (!publisher_gone()) {
          result.error = detail::code(errc::would_block);
          return;
        }
        // Gone: unless it published one more between the two loads.
        if (publisher.published.load(std::memory_order_acquire) <= r) {
          result.error = detail::code(errc::peer_closed);
          return;
        }
        continue;
      }
      if (looks == 0) continue;  // the stamp read came before the publish: look again
      result.error = detail::code(errc::corrupted);  // published, yet its slot never held it
      return;
    }
    // holds > r: the publisher lapped this subscriber. Everything from r to
    // just before the oldest slot that is still intact is lost.
    const std::uint64_t published = publisher.published.load(std::memory_order_acquire);
    if (holds > published || (holds - r) % geometry_.slot_count != 0 || published < geometry_.slot_count) {
      result.error = detail::code(errc::corrupted);
      return;
    }
    // The oldest still there is published - slot_count, unless the publisher
    // is writing over it now, which the stamp check of the next look catches.
    const std::uint64_t skip_to = std::max(published - geometry_.slot_count, r + 1);
    pending_lost_ += skip_to - r;
    lost_ += skip_to - r;
    cursor_ = skip_to;
    place_->cursor.store(cursor_, std::memory_order_release);
  }
  result.error = detail::code(errc::would_block);
}

broadcast_received broadcast_subscriber::receive(std::span<std::byte> buffer, deadline until) noexcept {
  // One result, written in place by take (returned without a copy, which
  // cost a stall per message: read as 16-byte words, written as 8-byte ones).
  broadcast_received result;
  if (!is_attached()) {
    result.error = detail::code(errc::invalid_argument);
    return result;
  }
  if (held_stamp_ != 0) static_cast<void>(release());
  // The first look, before any waiting: a subscriber that is behind finds
  // its message here, on the shortest path.
  take(result, buffer);
  if (!detail::nothing_yet(result.error) || until.is_immediate()) return result;
  auto attempt = [&] {
    take(result, buffer);
    return detail::nothing_yet(result.error) ? result.error : std::error_code{};
  };
  auto watch = [&] {
    // A publisher that died never notifies again.
    look_at_publisher();
    return publisher_gone() ? std::error_code{} : detail::code(errc::would_block);
  };
  const std::error_code error = detail::wait_as(policy_, detail::messages_event(geometry_), attempt, watch, until,
                        geometry_.cannot_fence);
  if (error) {
    result = {};
    result.error = error;
    return result;
  }
  if (detail::nothing_yet(result.error)) take(result, buffer);  // the watch saw the publisher gone
  return result;
}

broadcast_view broadcast_subscriber::peek(deadline until) noexcept {
  broadcast_view view;
  if (!is_attached()) {
    view.error = detail::code(errc::invalid_argument);
    return view;
  }
  if (held_stamp_ == 0) {
    broadcast_received result;
    auto attempt = [&] {
      take(result, {}, true);
      return detail::nothing_yet(result.error) ? result.error : std::error_code{};
    };
    auto watch = [&] {
      look_at_publisher();
      return publisher_gone() ? std::error_code{} : detail::code(errc::would_block);
    };
    const std::error_code error =
        detail::wait_as(policy_, detail::messages_event(geometry_), attempt, watch, until,
                        geometry_.cannot_fence);
    if (!error && detail::nothing_yet(result.error)) take(result, {}, true);
    view.error = error ? error : result.error;
    view.lost = result.lost;
    if (view.error) return view;
  }
  view.bytes = std::span<const std::byte>(geometry_.payload(cursor_), held_size_);
  return view;
}

bool broadcast_subscriber::release() noexcept {
  if (!is_attached() || held_stamp_ == 0) return false;
  const bool whole = detail::stamp_after_copy(geometry_.head(cursor_)) == held_stamp_;
  held_stamp_ = 0;
  held_size_ = 0;
  if (!whole) {
    ++lost_;
    ++pending_lost_;
  }
  ++cursor_;
  advance_cursor();
  return whole;
}

std::uint64_t broadcast_subscriber::backlog() const noexcept {
  if (!is_attached()) return 0;
  const std::uint64_t published = geometry_.layout->publisher.published.load(std::memory_order_acquire);
  return published > cursor_ ? published - cursor_ : 0;
}

void broadcast_subscriber::detach() noexcept {
  if (!is_attached()) return;
  detail::close_point(readiness_, detail::messages_event(geometry_));
  place_->cursor.store(detail::broadcast_no_cursor, std::memory_order_seq_cst);
  std::uint64_t mine = token_;
  place_->owner.compare_exchange_strong(mine, 0, std::memory_order_acq_rel);
  detail::room_event(geometry_).notify();
  geometry_ = {};
  place_ = nullptr;
}

// ---- readiness (docs/event_loops.md)

bool broadcast_publisher::ready() noexcept {
  if (!is_attached()) return false;
  return geometry_.policy == slow_subscriber::overtake || room();
}

native_handle_type broadcast_publisher::readiness_handle() {
  return detail::report_or_throw("broadcast_publisher", "readiness", [&](auto& why) {
    if (!is_attached()) why = detail::refuse(errc::invalid_argument, "the publisher is not attached");
    else detail::open_point(readiness_, std::span(&geometry_.layout->room.bell, 1), "the broadcast's publisher", why);
    return why ? invalid_native_handle : readiness_->handle();
  });
}

native_handle_type broadcast_publisher::readiness_handle(std::error_code& ec) {
  return detail::report_to(ec, [&](auto& why) {
    if (!is_attached()) why = detail::refuse(errc::invalid_argument, "the publisher is not attached");
    else detail::open_point(readiness_, std::span(&geometry_.layout->room.bell, 1), "the broadcast's publisher", why);
    return why ? invalid_native_handle : readiness_->handle();
  });
}

bool broadcast_publisher::arm() noexcept {
  if (!is_attached()) return false;
  detail::failure ignored;
  if (!detail::open_point(readiness_, std::span(&geometry_.layout->room.bell, 1), "the broadcast's publisher", ignored)) {
    return false;
  }
  // A subscriber that died holds no room back: event loops re-arm at least
  // once per liveness interval, and each full arming looks for the dead.
  if (!ready() && reclaim_dead()) bound_ = next_;
  if (!ready()) want_room(1);  // the handle fires at the first slot freed
  return readiness_->arm(detail::room_event(geometry_), [&] { return ready(); }, 0);
}

void broadcast_publisher::disarm(bool handle_fired) noexcept {
  if (readiness_ != nullptr) readiness_->disarm(detail::room_event(geometry_), handle_fired);
}

bool broadcast_subscriber::ready() noexcept {
  if (!is_attached()) return false;
  // There, or written over (receive reports the loss), or damaged (receive says so).
  if (geometry_.head(cursor_).stamp.load(std::memory_order_acquire) >= 2 * cursor_ + 2) return true;
  if (geometry_.layout->publisher.published.load(std::memory_order_seq_cst) > cursor_) return true;
  return publisher_gone();
}

native_handle_type broadcast_subscriber::readiness_handle() {
  return detail::report_or_throw("broadcast_subscriber", "readiness", [&](auto& why) {
    if (!is_attached()) why = detail::refuse(errc::invalid_argument, "the subscriber is not attached");
    else detail::open_point(readiness_, std::span(geometry_.bells, geometry_.max_subscribers), "a broadcast subscriber", why);
    return why ? invalid_native_handle : readiness_->handle();
  });
}

native_handle_type broadcast_subscriber::readiness_handle(std::error_code& ec) {
  return detail::report_to(ec, [&](auto& why) {
    if (!is_attached()) why = detail::refuse(errc::invalid_argument, "the subscriber is not attached");
    else detail::open_point(readiness_, std::span(geometry_.bells, geometry_.max_subscribers), "a broadcast subscriber", why);
    return why ? invalid_native_handle : readiness_->handle();
  });
}

bool broadcast_subscriber::arm() noexcept {
  if (!is_attached()) return false;
  detail::failure ignored;
  if (!detail::open_point(readiness_, std::span(geometry_.bells, geometry_.max_subscribers), "a broadcast subscriber",
                          ignored)) {
    return false;
  }
  const std::uint64_t owner = geometry_.layout->publisher.owner.load(std::memory_order_acquire);
  const std::uint64_t process = owner > detail::broadcast_owner_detached ? owner : 0;
  const bool wait = readiness_->arm(detail::messages_event(geometry_), [&] { return ready(); }, process);
  // A publisher found dead is reported by the next receive at once.
  if (readiness_->peer_ended()) look_at_publisher();
  return wait;
}

void broadcast_subscriber::disarm(bool handle_fired) noexcept {
  if (readiness_ != nullptr) readiness_->disarm(detail::messages_event(geometry_), handle_fired);
}

}  // namespace xipc
