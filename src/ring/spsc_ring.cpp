// The ring's slow path: formatting, attaching, waiting and waking, detaching.
// The hot path is inline in include/xipc/spsc_ring.hpp.
#include <xipc/spsc_ring.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <bit>

#include "backend/process_identity.hpp"
#include "backend/wait_wake.hpp"
#include "core/setup_error.hpp"
#include "sync/event_wait.hpp"
#include "ring/ring_signal.hpp"
#include "sync/wait_word.hpp"

namespace xipc {
namespace {

using clock = std::chrono::steady_clock;

constexpr std::uint64_t min_capacity_bytes = 256;
// Record headers hold sizes in 32 bits.
constexpr std::uint64_t max_capacity_bytes = std::uint64_t{1} << 32;

// How often a waiting side checks that its peer's process still lives; a dead
// peer is reported within about this long.
using detail::liveness_interval;
// Spinning reads the clock once per this many polls.
constexpr unsigned polls_per_clock_read = 64;
// Pause instructions between two polls of an empty or full ring. 4 once
// raised 64-byte throughput by a third, by letting the producer finish a line
// before the consumer pulled it across; since the consumer slips behind a
// streaming producer instead (xipc/detail/ring_slip.hpp), 1 keeps that
// throughput and cuts the round trip at 8 and 64 bytes (docs/ring.md).
constexpr int pauses_per_poll = 1;
// Pause instructions between two clock reads while slipping.
constexpr int pauses_per_slip_clock_read = 8;

// An empty ring then always has room for a message: padding before it is
// shorter than its record, so padding + record + next header <= capacity.
constexpr std::uint64_t largest_allowed_message(std::uint64_t capacity) noexcept {
  return capacity / 2 - detail::ring_record_header_bytes;
}

std::uint64_t default_max_message(std::uint64_t capacity) noexcept { return capacity / 4; }

bool is_aligned(const void* p) noexcept { return reinterpret_cast<std::uintptr_t>(p) % ring_memory_alignment == 0; }

// Whether the end whose owner word this is has gone: detached, or its process died.
bool end_is_gone(const std::atomic<std::uint64_t>& owner) noexcept {
  const std::uint64_t token = owner.load(std::memory_order_acquire);
  if (token == detail::ring_owner_none) return false;  // not attached yet: worth waiting for
  if (token == detail::ring_owner_detached) return true;
  return !detail::process_alive(token);
}

// Claims an end for this process: free, detached, or owned by a dead process.
bool claim_end(std::atomic<std::uint64_t>& owner, std::string_view role, detail::failure& why) {
  const std::uint64_t mine = detail::current_process_token();
  for (int attempt = 0; attempt < 16; ++attempt) {
    std::uint64_t current = owner.load(std::memory_order_acquire);
    const bool free = current == detail::ring_owner_none || current == detail::ring_owner_detached;
    if (!free && detail::process_alive(current)) {
      why = detail::refuse(errc::busy, fmt::format("a {} is already attached, in process {}", role,
                                                   detail::token_process_id(current)));
      return false;
    }
    if (owner.compare_exchange_strong(current, mine, std::memory_order_acq_rel)) return true;
  }
  why = detail::refuse(errc::busy, fmt::format("other processes keep claiming the {} end", role));
  return false;
}

void release_end(std::atomic<std::uint64_t>& owner) noexcept {
  std::uint64_t mine = detail::current_process_token();
  owner.compare_exchange_strong(mine, detail::ring_owner_detached, std::memory_order_acq_rel);
}

using detail::event_of;

// Spins for `time`, or until the deadline, without touching the ring (a slip:
// xipc/detail/ring_slip.hpp).
void spin_without_polling(std::chrono::nanoseconds time, deadline until) noexcept {
  const auto end = std::min(clock::now() + time, until.time_point());
  do {
    for (int pause = 0; pause < pauses_per_slip_clock_read; ++pause) XIPC_CPU_RELAX();
  } while (clock::now() < end);
}

void wake(detail::ring_signal_line& signal) noexcept { event_of(signal).wake_all(); }

// Waits until `ready(error)` is true, or an error, the deadline, or the peer's
// end is gone, following `policy`: spin first (unless block), then sleep on
// `own`'s event count (unless spin).
template <class Ready>
std::error_code wait_until(Ready&& ready, detail::ring_signal_line& own, const std::atomic<std::uint64_t>& peer_owner,
                           const wait_policy& policy, deadline until) noexcept {
  std::error_code error;
  if (ready(error)) return {};
  if (error) return error;
  if (until.is_immediate()) return make_error_code(errc::would_block);

  // The clock is read after the first polls, not before: most waits on a
  // busy ring end within them, and a clock read costs as much as a poll.
  auto now = clock::time_point::min();
  auto next_liveness_check = clock::time_point::max();
  if (policy.mode != wait_mode::block) {
    auto spin_until = clock::time_point::max();
    auto spin_start = clock::time_point::max();
    for (unsigned polls = 1;; ++polls) {
      if (ready(error)) return {};
      if (error) return error;
      if (polls % polls_per_clock_read == 0) {
        now = clock::now();
        if (polls == polls_per_clock_read) {
          spin_start = now;
          next_liveness_check = now + liveness_interval;
          if (policy.mode == wait_mode::adaptive) spin_until = now + policy.spin_budget;
        }
        if (now >= until.time_point()) return make_error_code(errc::timed_out);
        if (now >= next_liveness_check) {
          if (end_is_gone(peer_owner)) return ready(error) ? std::error_code{} : make_error_code(errc::peer_closed);
          next_liveness_check = now + liveness_interval;
        }
        if (now >= spin_until) break;
        detail::yield_if_long(policy.mode, spin_start, now);
      }
      for (int pause = 0; pause < pauses_per_poll; ++pause) XIPC_CPU_RELAX();
    }
  }

  if (now == clock::time_point::min()) {
    now = clock::now();
    next_liveness_check = now + liveness_interval;
  }
  // Sleep until the other side notifies (it checks `own.sleeping` after each
  // publish or release: xipc/detail/event_count.hpp has the rules).
  auto attempt = [&] {
    std::error_code found;
    if (ready(found)) return std::error_code{};
    return found ? found : make_error_code(errc::would_block);
  };
  auto peer_watch = [&] {
    if (!end_is_gone(peer_owner)) return make_error_code(errc::would_block);
    std::error_code ignored;
    return ready(ignored) ? std::error_code{} : make_error_code(errc::peer_closed);
  };
  return detail::sleep_until(event_of(own), attempt, peer_watch, until, next_liveness_check);
}

}  // namespace

// The notify side of the other side's event count (xipc/detail/event_count.hpp):
// a side that fences before it looks is read with a plain load by a process
// registered for light notifies, with no read-modify-write, which would wait
// for the change's store to leave this CPU; any other with the read-modify-write.
bool detail::sleeper_may_wait(ring_signal_line& other, bool light_notify) noexcept {
  if (light_notify && other.may_sleep.load(std::memory_order_relaxed) == ring_sleeps_fenced) {
    // The compiler keeps the change first; the CPU may still take this load
    // first, which the sleeper's heavy fence covers.
    return event_count(other.wake, other.sleeping).has_sleepers_light();
  }
  return event_count(other.wake, other.sleeping).has_sleepers();
}

std::uint32_t detail::ring_sleep_mode() noexcept {
  return detail::heavy_fence_works() ? detail::ring_sleeps_fenced : detail::ring_sleeps;
}

std::error_code format_ring(std::span<std::byte> memory, const ring_options& options) noexcept {
  const std::uint64_t capacity = options.capacity_bytes;
  const std::uint64_t max_message = options.max_message_bytes != 0 ? options.max_message_bytes
                                                                    : default_max_message(capacity);
  if (!is_aligned(memory.data()) || !std::has_single_bit(capacity) || capacity < min_capacity_bytes ||
      capacity > max_capacity_bytes || max_message > largest_allowed_message(capacity) ||
      memory.size() < ring_memory_bytes(static_cast<std::size_t>(capacity))) {
    return make_error_code(errc::invalid_argument);
  }
  auto* layout = new (memory.data()) detail::ring_layout{};
  layout->header.layout_version = detail::ring_layout_version;
  layout->header.data_offset = static_cast<std::uint32_t>(detail::ring_data_offset);
  layout->header.capacity_bytes = capacity;
  layout->header.max_message_bytes = max_message;
  detail::format_wait_word(layout->producer_signal.wake);
  detail::format_wait_word(layout->consumer_signal.wake);
  // The consumer's first look finds "nothing yet".
  detail::ring_header_at(memory.data() + detail::ring_data_offset, 0).store(0, std::memory_order_relaxed);
  // Release: whoever sees the magic sees every field above.
  layout->header.magic.store(detail::ring_magic, std::memory_order_release);
  return {};
}

bool detail::check_ring_options(const ring_options& options, failure& why) {
  const std::uint64_t capacity = options.capacity_bytes;
  if (!std::has_single_bit(capacity) || capacity < min_capacity_bytes || capacity > max_capacity_bytes) {
    why = refuse(errc::invalid_argument,
                 fmt::format("capacity {} must be a power of two from {} to 2^32", capacity, min_capacity_bytes));
    return false;
  }
  if (options.max_message_bytes > largest_allowed_message(capacity)) {
    why = refuse(errc::invalid_argument,
                 fmt::format("maximum message size {} is above capacity / 2 - {} = {} for capacity {}",
                             options.max_message_bytes, ring_record_header_bytes, largest_allowed_message(capacity),
                             capacity));
    return false;
  }
  return true;
}

bool detail::read_ring_geometry(std::span<std::byte> memory, ring_geometry& geometry, failure& why) {
  if (!is_aligned(memory.data())) {
    why = refuse(errc::invalid_argument, fmt::format("memory must be aligned to {} bytes", ring_memory_alignment));
    return false;
  }
  if (memory.size() < ring_memory_bytes(min_capacity_bytes)) {
    why = refuse(errc::invalid_argument, fmt::format("{} bytes of memory cannot hold a ring", memory.size()));
    return false;
  }
  auto* layout = reinterpret_cast<ring_layout*>(memory.data());
  const ring_header& header = layout->header;
  const std::uint64_t magic = header.magic.load(std::memory_order_acquire);
  // Copied once: another process may change the header after we checked it.
  const std::uint32_t version = header.layout_version;
  const std::uint32_t data_offset = header.data_offset;
  const std::uint64_t capacity = header.capacity_bytes;
  const std::uint64_t max_message = header.max_message_bytes;
  std::string problem;
  if (magic != ring_magic) {
    problem = magic == 0 ? "no ring here: the magic number is 0 (never formatted)"
                         : fmt::format("bad magic number {:#018x}", magic);
  } else if (version != ring_layout_version) {
    problem = fmt::format("layout version {}, this build reads version {}", version, ring_layout_version);
  } else if (data_offset != ring_data_offset) {
    problem = fmt::format("data offset {}, expected {}", data_offset, ring_data_offset);
  } else if (!std::has_single_bit(capacity) || capacity < min_capacity_bytes || capacity > max_capacity_bytes ||
             capacity > memory.size() - ring_data_offset) {
    problem = fmt::format("capacity {} does not fit {} bytes of memory as a power of two", capacity, memory.size());
  } else if (max_message == 0 || max_message > largest_allowed_message(capacity)) {
    problem = fmt::format("maximum message size {} is impossible for capacity {}", max_message, capacity);
  }
  if (!problem.empty()) {
    why = refuse(errc::corrupted, std::move(problem));
    return false;
  }
  geometry = {layout, memory.data() + ring_data_offset, capacity, max_message};
  return true;
}

// ---- attaching ------------------------------------------------------------------

namespace {

enum class end_role { producer, consumer };

// The ring and both positions, as an end found them when it attached.
struct attach_point {
  detail::ring_geometry ring;
  std::uint64_t head = 0;
  std::uint64_t tail = 0;
};

// Checks the ring, claims the `role` end and reads both positions. The end
// stays claimed only when everything checked out.
bool attach_end(std::span<std::byte> memory, wait_policy policy, end_role role, attach_point& at,
                detail::failure& why) {
  if (!detail::read_ring_geometry(memory, at.ring, why)) return false;
  detail::ring_layout& layout = *at.ring.layout;
  const bool producer = role == end_role::producer;
  auto& owner = producer ? layout.producer.owner : layout.consumer.owner;
  if (!claim_end(owner, producer ? "producer" : "consumer", why)) return false;
  at.tail = layout.producer.position.load(std::memory_order_acquire);
  at.head = layout.consumer.position.load(std::memory_order_acquire);
  if (at.tail - at.head > at.ring.capacity || at.tail % detail::ring_record_align != 0 ||
      at.head % detail::ring_record_align != 0) {
    release_end(owner);
    why = detail::refuse(errc::corrupted, fmt::format("positions out of order: head {}, tail {}", at.head, at.tail));
    return false;
  }
  auto& signal = producer ? layout.producer_signal : layout.consumer_signal;
  signal.sleeping.store(0, std::memory_order_relaxed);
  // Only adaptive sides fence before they sleep: they sleep after a spin
  // budget without traffic, so rarely. A blocking side sleeps on every wait,
  // and a heavy fence per wait would interrupt every CPU that runs a ring
  // end's thread, machine-wide (docs/ring.md).
  signal.may_sleep.store(policy.mode == wait_mode::adaptive ? detail::ring_sleep_mode()
                         : policy.mode == wait_mode::block  ? detail::ring_sleeps
                                                            : detail::ring_never_sleeps,
                         std::memory_order_relaxed);
  return true;
}

// How long an end waits before asking the OS again whether its peer lives.
std::error_code gone_or_waiting(const std::atomic<std::uint64_t>& peer_owner,
                                std::chrono::steady_clock::time_point& next_check) noexcept {
  const std::uint64_t owner = peer_owner.load(std::memory_order_acquire);
  if (owner == detail::ring_owner_detached) return make_error_code(errc::peer_closed);
  if (owner == detail::ring_owner_none) return make_error_code(errc::would_block);
  // Asking the OS costs system calls: at most once per liveness interval.
  const auto now = clock::now();
  if (now < next_check) return make_error_code(errc::would_block);
  next_check = now + liveness_interval;
  return make_error_code(detail::process_alive(owner) ? errc::would_block : errc::peer_closed);
}

}  // namespace

// ---- producer -------------------------------------------------------------------

ring_producer ring_producer::attach(std::span<std::byte> memory, wait_policy policy, detail::failure& why) {
  ring_producer producer;
  attach_point at;
  if (!attach_end(memory, policy, end_role::producer, at, why)) return producer;
  producer.ring_ = at.ring;
  producer.policy_ = policy;
  // A producer that died mid-write never published: continue after its last
  // publish, where the header word is still 0 (docs/ring.md).
  producer.tail_ = at.tail;
  producer.cached_head_ = at.head;
  producer.light_notify_ = detail::register_light_notifier();
  return producer;
}

ring_producer ring_producer::attach(std::span<std::byte> memory, wait_policy policy) {
  return detail::report_or_throw("ring_producer", "(memory)", [&](auto& why) { return attach(memory, policy, why); });
}

ring_producer ring_producer::attach(std::span<std::byte> memory, wait_policy policy, std::error_code& ec) {
  return detail::report_to(ec, [&](auto& why) { return attach(memory, policy, why); });
}

ring_producer& ring_producer::operator=(ring_producer&& other) noexcept {
  if (this != &other) {
    detach();
    ring_ = std::exchange(other.ring_, {});
    policy_ = other.policy_;
    tail_ = other.tail_;
    cached_head_ = other.cached_head_;
    prepared_at_ = other.prepared_at_;
    prepared_size_ = other.prepared_size_;
    has_unpublished_ = std::exchange(other.has_unpublished_, false);
    light_notify_ = other.light_notify_;
    unpublished_at_ = other.unpublished_at_;
    unpublished_word_ = other.unpublished_word_;
    next_liveness_check_ = other.next_liveness_check_;
    readiness_ = std::exchange(other.readiness_, nullptr);
  }
  return *this;
}

void ring_producer::detach() noexcept {
  if (ring_.layout == nullptr) return;
  detail::close_ring_readiness(readiness_, ring_.layout->producer_signal);
  release_end(ring_.layout->producer.owner);
  ring_.layout->producer_signal.may_sleep.store(0, std::memory_order_relaxed);
  // A consumer asleep on an empty ring must learn at once that no more will come.
  wake(ring_.layout->consumer_signal);
  ring_ = {};
}

void ring_producer::wake_consumer() noexcept { wake(ring_.layout->consumer_signal); }

std::error_code ring_producer::full_reason() noexcept {
  return gone_or_waiting(ring_.layout->consumer.owner, next_liveness_check_);
}


std::error_code ring_producer::wait_for_room(std::uint64_t bytes, deadline until) noexcept {
  return wait_until([&](std::error_code& error) { return has_room(bytes, error); }, ring_.layout->producer_signal,
                    ring_.layout->consumer.owner, policy_, until);
}

write_slot ring_producer::prepare_after_wait(std::size_t size, deadline until) noexcept {
  for (;;) {
    if (const std::error_code error = wait_for_room(room_needed(size), until)) return {{}, error};
    write_slot slot = try_prepare(size);
    if (slot || slot.error != errc::would_block) return slot;
  }
}

std::size_t ring_producer::try_send_batch(std::span<const std::span<const std::byte>> messages) noexcept {
  std::size_t sent = 0;
  for (const auto& message : messages) {
    const write_slot slot = try_prepare(message.size());
    if (!slot) break;
    if (!message.empty()) std::memcpy(slot.bytes.data(), message.data(), message.size());
    stage();  // not commit: one publish below covers the whole batch
    ++sent;
  }
  if (sent != 0) publish();
  return sent;
}

// ---- consumer -------------------------------------------------------------------

ring_consumer ring_consumer::attach(std::span<std::byte> memory, wait_policy policy, detail::failure& why) {
  ring_consumer consumer;
  attach_point at;
  if (!attach_end(memory, policy, end_role::consumer, at, why)) return consumer;
  consumer.ring_ = at.ring;
  consumer.policy_ = policy;
  consumer.head_ = at.head;
  consumer.light_notify_ = detail::register_light_notifier();
  return consumer;
}

ring_consumer ring_consumer::attach(std::span<std::byte> memory, wait_policy policy) {
  return detail::report_or_throw("ring_consumer", "(memory)", [&](auto& why) { return attach(memory, policy, why); });
}

ring_consumer ring_consumer::attach(std::span<std::byte> memory, wait_policy policy, std::error_code& ec) {
  return detail::report_to(ec, [&](auto& why) { return attach(memory, policy, why); });
}

ring_consumer& ring_consumer::operator=(ring_consumer&& other) noexcept {
  if (this != &other) {
    detach();
    ring_ = std::exchange(other.ring_, {});
    policy_ = other.policy_;
    head_ = other.head_;
    peeked_bytes_ = other.peeked_bytes_;
    light_notify_ = other.light_notify_;
    slip_ = other.slip_;
    next_liveness_check_ = other.next_liveness_check_;
    readiness_ = std::exchange(other.readiness_, nullptr);
  }
  return *this;
}

void ring_consumer::detach() noexcept {
  if (ring_.layout == nullptr) return;
  detail::close_ring_readiness(readiness_, ring_.layout->consumer_signal);
  release_end(ring_.layout->consumer.owner);
  ring_.layout->consumer_signal.may_sleep.store(0, std::memory_order_relaxed);
  wake(ring_.layout->producer_signal);
  ring_ = {};
}

void ring_consumer::wake_producer() noexcept { wake(ring_.layout->producer_signal); }


std::error_code ring_consumer::empty_reason() noexcept {
  return gone_or_waiting(ring_.layout->producer.owner, next_liveness_check_);
}

std::error_code ring_consumer::wait_for_message(deadline until, unsigned& polls) noexcept {
  polls = 0;
  return wait_until(
      [&](std::error_code& error) {
        ++polls;
        return has_record(error);
      },
      ring_.layout->consumer_signal, ring_.layout->producer.owner, policy_, until);
}

read_slot ring_consumer::peek_after_wait(deadline until) noexcept {
  // Only a side that spins slips: one that blocks sleeps at once.
  const bool may_slip = !until.is_immediate() && policy_.mode != wait_mode::block;
  if (may_slip && slip_.before_wait()) spin_without_polling(detail::ring_slip::slip_time, until);
  for (;;) {
    if (until.is_immediate()) return {{}, empty_reason()};
    unsigned polls = 0;
    const std::error_code error = wait_for_message(until, polls);
    if (may_slip && !error) slip_.after_wait(polls);
    if (error) return {{}, error};
    read_slot slot = next_message();
    if (slot.error != errc::would_block) return slot;
  }
}

}  // namespace xipc
