// A lock-free single-producer/single-consumer ring of variable-length
// messages, in any memory both sides can map: a buffer shared by two threads,
// or shared memory between two processes. The hot path is inline and makes no
// system call and no allocation; a side waits by spinning, then sleeping on a
// futex, and the other side wakes it only when it really sleeps.
//
//   xipc::format_ring(memory, {.capacity_bytes = 1 << 20});
//   auto tx = xipc::ring_producer::attach(memory);  // in one thread or process
//   auto rx = xipc::ring_consumer::attach(memory);  // in the other
//   std::error_code sent = tx.send(bytes, deadline);
//   xipc::io_result got = rx.receive(buffer, deadline);
//
// docs/ring.md has the layout, the memory-ordering argument, the wait/wake
// and the peer-death protocols.
//
// Thread safety: a ring_producer and a ring_consumer may run on two threads
// (or processes) at once; each end is used by one thread at a time.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <system_error>
#include <utility>

#include <xipc/concepts.hpp>
#include <xipc/deadline.hpp>
#include <xipc/detail/config.hpp>
#include <xipc/detail/event_count.hpp>
#include <xipc/detail/ring_layout.hpp>
#include <xipc/detail/ring_slip.hpp>
#include <xipc/detail/shared_word.hpp>
#include <xipc/error.hpp>
#include <xipc/native_handle.hpp>
#include <xipc/wait_policy.hpp>

namespace xipc {
namespace detail {
struct failure;
class readiness_point;
}

struct ring_options {
  // Bytes of the data area: a power of two, at least 256. Records (8-byte
  // header, payload, padding to 8) fill up to capacity - 8 bytes of it.
  std::size_t capacity_bytes = std::size_t{1} << 20;
  // The largest message; 0 means capacity / 4. At most capacity / 2 - 8, so
  // that an empty ring always has room for one message of any allowed size.
  std::size_t max_message_bytes = 0;
};

// Bytes of memory a ring of `capacity_bytes` needs.
constexpr std::size_t ring_memory_bytes(std::size_t capacity_bytes) noexcept {
  return detail::ring_data_offset + capacity_bytes;
}

// The memory a ring lives in must be aligned to this (mmap'd memory always is).
inline constexpr std::size_t ring_memory_alignment = detail::ring_line_bytes;

// Writes an empty ring into `memory`, which must be zero-filled (fresh shared
// or anonymous memory is) and aligned to ring_memory_alignment.
// errc::invalid_argument for a bad capacity, maximum, size or alignment.
std::error_code format_ring(std::span<std::byte> memory, const ring_options& options) noexcept;

// A span to write a message into, or why there is none.
struct write_slot {
  std::span<std::byte> bytes;
  std::error_code error;
  explicit operator bool() const noexcept { return !error; }
};

// The next message in place, or why there is none.
struct read_slot {
  std::span<const std::byte> bytes;
  std::error_code error;
  explicit operator bool() const noexcept { return !error; }
};

namespace detail {

// What both ends copy out of the header at attach and trust from then on.
struct ring_geometry {
  ring_layout* layout = nullptr;
  std::byte* data = nullptr;
  std::uint64_t capacity = 0;
  std::uint64_t max_message = 0;
};

// Validates the header and layout of `memory` and fills `geometry`.
bool read_ring_geometry(std::span<std::byte> memory, ring_geometry& geometry, failure& why);

// Checks options before any memory is made for them: errc::invalid_argument
// naming the limit that a capacity or maximum message size breaks.
bool check_ring_options(const ring_options& options, failure& why);

}  // namespace detail

// The writing end. Movable, not copyable; one per ring at a time (a second
// attach is errc::busy while the first one's process lives).
class alignas(detail::ring_line_bytes) ring_producer {
 public:
  ring_producer() noexcept = default;
  ring_producer(ring_producer&& other) noexcept { *this = std::move(other); }
  ring_producer& operator=(ring_producer&& other) noexcept;
  ring_producer(const ring_producer&) = delete;
  ring_producer& operator=(const ring_producer&) = delete;
  ~ring_producer() { detach(); }

  // Attaches as the ring's producer. Takes over from a producer whose process
  // died, continuing after the last message it committed.
  static ring_producer attach(std::span<std::byte> memory, wait_policy policy = {});
  static ring_producer attach(std::span<std::byte> memory, wait_policy policy, std::error_code& ec);

  // Space for a message of `size` bytes, written in place and published by
  // commit(). errc::would_block when full (errc::peer_closed when full and
  // the consumer detached or its process ended), errc::message_too_large,
  // errc::corrupted when the consumer's position is impossible.
  [[nodiscard]] write_slot try_prepare(std::size_t size) noexcept;
  // As try_prepare, waiting for room until `until`: errc::timed_out, or
  // errc::peer_closed when the consumer detached or died.
  [[nodiscard]] write_slot prepare(std::size_t size, deadline until) noexcept;

  // Publishes the prepared message, cut to `size` bytes if given.
  // REQUIRES: a successful prepare since the last commit or stage; size <= prepared size.
  void commit() noexcept { commit(prepared_size_); }
  void commit(std::size_t size) noexcept {
    stage(size);
    publish();
  }
  // Completes the prepared message without publishing it: stage several,
  // then publish() them with one store.
  void stage() noexcept { stage(prepared_size_); }
  void stage(std::size_t size) noexcept;
  // Makes every staged message visible to the consumer.
  void publish() noexcept;

  // Copies `message` into the ring: the message_sender interface.
  [[nodiscard]] std::error_code try_send(std::span<const std::byte> message) noexcept;
  [[nodiscard]] std::error_code send(std::span<const std::byte> message, deadline until) noexcept;
  // Copies as many of `messages` as fit, in order, and publishes them with one
  // store. Returns how many were sent; it stops at the first that does not fit.
  [[nodiscard]] std::size_t try_send_batch(std::span<const std::span<const std::byte>> messages) noexcept;

  // ---- Readiness, for event loops and wait_set (docs/event_loops.md) ----
  // Whether a send of max_message_bytes() would not wait now: there is room,
  // or the consumer is gone (the send then says why). Two loads, no call.
  [[nodiscard]] bool ready() noexcept;
  // The handle an event loop waits on for room (readable on POSIX, signaled
  // on Windows): made on the first call, the same one after. It fires only
  // while armed. Errors: what the OS says, or errc::busy.
  native_handle_type readiness_handle();
  native_handle_type readiness_handle(std::error_code& ec);
  // Announces a wait on the handle. False when no wait is needed (ready(),
  // the consumer's process ended, or no handle could be made): send now.
  // True: wait for the handle, then disarm(). Arming an armed end looks again.
  [[nodiscard]] bool arm() noexcept;
  // Withdraws the announcement and clears the handle: after it fired, or to
  // stop waiting. handle_fired = false (the loop saw the handle not ready)
  // skips the clearing call unless the other side rang meanwhile.
  void disarm(bool handle_fired = true) noexcept;

  // Detaches: the consumer sees errc::peer_closed once it has drained the ring.
  void detach() noexcept;

  bool is_attached() const noexcept { return ring_.layout != nullptr; }
  std::size_t capacity() const noexcept { return static_cast<std::size_t>(ring_.capacity); }
  std::size_t max_message_bytes() const noexcept { return static_cast<std::size_t>(ring_.max_message); }

 private:
  static ring_producer attach(std::span<std::byte> memory, wait_policy policy, detail::failure& why);
  friend class ring_channel;

  // Bytes a message of `size` takes at the tail: padding when it would wrap,
  // its record, and the next record's header word, which commit zeroes.
  std::uint64_t room_needed(std::size_t size) const noexcept;
  // Makes sure `bytes` more bytes are free; false if not (error set when the consumer's position is impossible).
  bool has_room(std::uint64_t bytes, std::error_code& error) noexcept;
  // Completes the record at `position` whose header word is `word`, unpublished.
  void stage_record(std::uint64_t position, std::uint64_t word, std::uint64_t record_bytes) noexcept;
  // Copies `message` into a prepared slot and commits it.
  void copy_in(const write_slot& slot, std::span<const std::byte> message) noexcept;
  // Waits for room or the deadline: {} when there may be room, else why not.
  std::error_code wait_for_room(std::uint64_t bytes, deadline until) noexcept;
  // prepare() once try_prepare found no room: waits, then tries again.
  write_slot prepare_after_wait(std::size_t size, deadline until) noexcept;
  void wake_consumer() noexcept;
  // Tells a full ring apart from one whose consumer is gone.
  std::error_code full_reason() noexcept;

  detail::ring_geometry ring_;
  wait_policy policy_;
  detail::readiness_point* readiness_ = nullptr;  // made by readiness_handle()
  std::uint64_t tail_ = 0;         // where the next record goes (staged records included)
  std::uint64_t cached_head_ = 0;  // the consumer's position when last read: refreshed only when the ring looks full
  std::uint64_t prepared_at_ = 0;  // position of the prepared record
  std::size_t prepared_size_ = 0;
  // The first staged record's header is stored last, by publish(): one release
  // store then makes the whole batch visible.
  bool has_unpublished_ = false;
  // This process notifies with a plain load where the consumer fences (detail::notify_sleeper).
  bool light_notify_ = false;
  std::uint64_t unpublished_at_ = 0;
  std::uint64_t unpublished_word_ = 0;
  std::chrono::steady_clock::time_point next_liveness_check_{};
};

// The reading end. Movable, not copyable; one per ring at a time.
class alignas(detail::ring_line_bytes) ring_consumer {
 public:
  ring_consumer() noexcept = default;
  ring_consumer(ring_consumer&& other) noexcept { *this = std::move(other); }
  ring_consumer& operator=(ring_consumer&& other) noexcept;
  ring_consumer(const ring_consumer&) = delete;
  ring_consumer& operator=(const ring_consumer&) = delete;
  ~ring_consumer() { detach(); }

  // Attaches as the ring's consumer, continuing at the oldest message not yet
  // released (a consumer that died between peek and release sees it again).
  static ring_consumer attach(std::span<std::byte> memory, wait_policy policy = {});
  static ring_consumer attach(std::span<std::byte> memory, wait_policy policy, std::error_code& ec);

  // The next message in place, valid until release(). errc::would_block when
  // empty, errc::peer_closed when empty and the producer detached or died,
  // errc::corrupted when a position or record header is impossible.
  [[nodiscard]] read_slot try_peek() noexcept;
  [[nodiscard]] read_slot peek(deadline until) noexcept;
  // Frees the message that peek returned, and publishes that.
  // REQUIRES: a successful peek since the last release.
  void release() noexcept;

  // Copies the next message into `buffer`: the message_receiver interface.
  // A buffer too small gives errc::message_too_large with bytes = the size
  // needed, and the message stays in the ring.
  [[nodiscard]] io_result try_receive(std::span<std::byte> buffer) noexcept;
  [[nodiscard]] io_result receive(std::span<std::byte> buffer, deadline until) noexcept;

  // ---- Readiness, for event loops and wait_set (docs/event_loops.md) ----
  // Whether a receive would not wait now: a message is waiting, or the
  // producer detached. Loads only, no call (a crashed producer is found by arm()).
  [[nodiscard]] bool ready() noexcept;
  // The handle an event loop waits on for a message (readable on POSIX,
  // signaled on Windows): made on the first call, the same one after. It
  // fires only while armed: when a message is published or the producer
  // detaches. A producer whose process died rings nothing: arm() looks at
  // it, at most once per liveness interval (20 ms). Errors: what the OS says.
  native_handle_type readiness_handle();
  native_handle_type readiness_handle(std::error_code& ec);
  // Announces a wait on the handle. False when no wait is needed (ready(),
  // the producer's process ended, or no handle could be made): receive now.
  // True: wait for the handle, then disarm(). Arming an armed end looks again.
  [[nodiscard]] bool arm() noexcept;
  // Withdraws the announcement and clears the handle: after it fired, or to
  // stop waiting. handle_fired = false (the loop saw the handle not ready)
  // skips the clearing call unless the other side rang meanwhile.
  void disarm(bool handle_fired = true) noexcept;

  void detach() noexcept;

  bool is_attached() const noexcept { return ring_.layout != nullptr; }
  std::size_t capacity() const noexcept { return static_cast<std::size_t>(ring_.capacity); }
  std::size_t max_message_bytes() const noexcept { return static_cast<std::size_t>(ring_.max_message); }

 private:
  static ring_consumer attach(std::span<std::byte> memory, wait_policy policy, detail::failure& why);
  friend class ring_channel;

  // The next record, skipping padding; sets `error` (would_block or corrupted) when there is none.
  read_slot next_message() noexcept;
  // Whether a committed record waits at the head (or the head's header word is impossible).
  bool has_record(std::error_code& error) const noexcept;
  // Tells an empty ring apart from one whose producer is gone.
  std::error_code empty_reason() noexcept;
  // Sets `polls` to the polls the wait took.
  std::error_code wait_for_message(deadline until, unsigned& polls) noexcept;
  // peek() once the ring was found empty: waits, then looks again.
  read_slot peek_after_wait(deadline until) noexcept;
  void wake_producer() noexcept;
  // Copies a peeked message into `buffer` and releases it, or reports the buffer too small.
  io_result copy_out(const read_slot& slot, std::span<std::byte> buffer) noexcept;

  detail::ring_geometry ring_;
  wait_policy policy_;
  detail::readiness_point* readiness_ = nullptr;  // made by readiness_handle()
  std::uint64_t head_ = 0;          // start of the next record to read (released records excluded)
  std::uint64_t peeked_bytes_ = 0;  // record bytes of the message peek returned, freed by release
  bool light_notify_ = false;       // as the producer's
  detail::ring_slip slip_;          // whether to fall behind a streaming producer before a wait
  std::chrono::steady_clock::time_point next_liveness_check_{};
};

static_assert(message_sender<ring_producer>);
static_assert(message_receiver<ring_consumer>);

// ---- The hot path, inline ---------------------------------------------------

namespace detail {

// The header word of the record at `offset` of the data area.
inline shared_word_ref ring_header_at(std::byte* data, std::uint64_t offset) noexcept {
  return shared_word_ref(*reinterpret_cast<std::uint64_t*>(data + offset));
}

// After a change (a publish, a release) seen by a side that may sleep:
// whether it sleeps, or is armed with a readiness handle, and so must be
// woken (spsc_ring.cpp). Out of line: the inline hot path stays as small as
// a spinning side needs.
bool sleeper_may_wait(ring_signal_line& other, bool light_notify) noexcept;

}  // namespace detail

inline std::uint64_t ring_producer::room_needed(std::size_t size) const noexcept {
  const std::uint64_t record = detail::ring_record_bytes(size);
  const std::uint64_t to_end = ring_.capacity - (tail_ & (ring_.capacity - 1));
  // A record never wraps: when it would, padding fills the rest of the ring first.
  const std::uint64_t padding = to_end < record ? to_end : 0;
  return padding + record + detail::ring_record_header_bytes;
}

inline bool ring_producer::has_room(std::uint64_t bytes, std::error_code& error) noexcept {
  if (XIPC_LIKELY(tail_ + bytes - cached_head_ <= ring_.capacity)) return true;
  // Acquire: the consumer's reads of the records it frees happen before we overwrite them.
  const std::uint64_t head = ring_.layout->consumer.position.load(std::memory_order_acquire);
  // Unsigned: a head ahead of the tail wraps to a huge distance and fails this too.
  if (XIPC_UNLIKELY(tail_ - head > ring_.capacity || head % detail::ring_record_align != 0)) {
    error = make_error_code(errc::corrupted);
    return false;
  }
  cached_head_ = head;
  return tail_ + bytes - head <= ring_.capacity;
}

inline void ring_producer::stage_record(std::uint64_t position, std::uint64_t word, std::uint64_t record_bytes) noexcept {
  const std::uint64_t mask = ring_.capacity - 1;
  // The next header word reads 0 before this record can be seen: the consumer
  // will find either nothing or the next record there, never a stale header.
  detail::ring_header_at(ring_.data, (position + record_bytes) & mask).store(0, std::memory_order_relaxed);
  if (!has_unpublished_) {
    has_unpublished_ = true;
    unpublished_at_ = position;
    unpublished_word_ = word;
  } else {
    // Relaxed: the consumer reaches this word only through the first one, which publish() stores with release.
    detail::ring_header_at(ring_.data, position & mask).store(word, std::memory_order_relaxed);
  }
  tail_ = position + record_bytes;
}

inline write_slot ring_producer::try_prepare(std::size_t size) noexcept {
  if (XIPC_UNLIKELY(size > ring_.max_message)) return {{}, make_error_code(errc::message_too_large)};
  const std::uint64_t needed = room_needed(size);
  std::error_code error;
  if (!has_room(needed, error)) return {{}, error ? error : full_reason()};
  const std::uint64_t padding = needed - detail::ring_record_bytes(size) - detail::ring_record_header_bytes;
  if (padding != 0) {
    stage_record(tail_, detail::ring_record_word(tail_, padding - detail::ring_record_header_bytes, true), padding);
  }
  prepared_at_ = tail_;
  prepared_size_ = size;
  return {{ring_.data + (tail_ & (ring_.capacity - 1)) + detail::ring_record_header_bytes, size}, {}};
}

inline void ring_producer::stage(std::size_t size) noexcept {
  stage_record(prepared_at_, detail::ring_record_word(prepared_at_, size, false), detail::ring_record_bytes(size));
  prepared_size_ = 0;
}

inline void ring_producer::publish() noexcept {
  if (!has_unpublished_) return;
  // Release: the payloads and header words of the whole batch are visible
  // before the word that leads the consumer to them.
  detail::ring_header_at(ring_.data, unpublished_at_ & (ring_.capacity - 1))
      .store(unpublished_word_, std::memory_order_release);
  has_unpublished_ = false;
  // Read by nobody on the hot path: it tells a producer that re-attaches where to go on.
  ring_.layout->producer.position.store(tail_, std::memory_order_release);
  // Only a side that may sleep needs the check (docs/ring.md).
  auto& consumer = ring_.layout->consumer_signal;
  if (consumer.may_sleep.load(std::memory_order_relaxed) != detail::ring_never_sleeps &&
      detail::sleeper_may_wait(consumer, light_notify_)) {
    wake_consumer();
  }
}

inline void ring_producer::copy_in(const write_slot& slot, std::span<const std::byte> message) noexcept {
  if (!message.empty()) std::memcpy(slot.bytes.data(), message.data(), message.size());
  commit();
}

inline write_slot ring_producer::prepare(std::size_t size, deadline until) noexcept {
  write_slot slot = try_prepare(size);
  if (XIPC_LIKELY(slot || slot.error != errc::would_block)) return slot;
  return prepare_after_wait(size, until);
}

inline std::error_code ring_producer::send(std::span<const std::byte> message, deadline until) noexcept {
  const write_slot slot = prepare(message.size(), until);
  if (!slot) return slot.error;
  copy_in(slot, message);
  return {};
}

inline std::error_code ring_producer::try_send(std::span<const std::byte> message) noexcept {
  const write_slot slot = try_prepare(message.size());
  if (!slot) return slot.error;
  copy_in(slot, message);
  return {};
}

inline bool ring_consumer::has_record(std::error_code& error) const noexcept {
  const std::uint64_t word = detail::ring_header_at(ring_.data, head_ & (ring_.capacity - 1)).load(std::memory_order_acquire);
  if (word == 0) return false;
  if (XIPC_UNLIKELY((word & detail::ring_record_committed) == 0)) error = make_error_code(errc::corrupted);
  return true;
}

inline read_slot ring_consumer::next_message() noexcept {
  for (;;) {
    const std::uint64_t offset = head_ & (ring_.capacity - 1);
    // Acquire: the record's payload is visible once we see its committed header.
    // Read once: the producer's memory is not trusted, and must not change under the checks.
    const std::uint64_t word = detail::ring_header_at(ring_.data, offset).load(std::memory_order_acquire);
    if (word == 0) return {{}, make_error_code(errc::would_block)};
    const std::uint64_t size = detail::ring_record_size(word);
    if (XIPC_UNLIKELY((word & detail::ring_record_committed) == 0 ||
                      detail::ring_record_word_tag(word) != detail::ring_record_tag(head_))) {
      break;
    }
    if (word & detail::ring_record_padding) {
      if (XIPC_UNLIKELY(detail::ring_record_header_bytes + size != ring_.capacity - offset)) break;
      head_ += ring_.capacity - offset;
      continue;
    }
    const std::uint64_t record = detail::ring_record_bytes(size);
    if (XIPC_UNLIKELY(size > ring_.max_message || record > ring_.capacity - offset)) break;
    peeked_bytes_ = record;
    return {{ring_.data + offset + detail::ring_record_header_bytes, static_cast<std::size_t>(size)}, {}};
  }
  return {{}, make_error_code(errc::corrupted)};
}

inline void ring_consumer::release() noexcept {
  slip_.took_message();
  head_ += peeked_bytes_;
  peeked_bytes_ = 0;
  // Release: our reads of the freed records happen before the producer may overwrite them.
  ring_.layout->consumer.position.store(head_, std::memory_order_release);
  // The same handshake as in publish(), mirrored.
  auto& producer = ring_.layout->producer_signal;
  if (producer.may_sleep.load(std::memory_order_relaxed) != detail::ring_never_sleeps &&
      detail::sleeper_may_wait(producer, light_notify_)) {
    wake_producer();
  }
}

inline io_result ring_consumer::copy_out(const read_slot& slot, std::span<std::byte> buffer) noexcept {
  if (!slot) return {0, slot.error};
  if (slot.bytes.size() > buffer.size()) return {slot.bytes.size(), make_error_code(errc::message_too_large)};
  if (!slot.bytes.empty()) std::memcpy(buffer.data(), slot.bytes.data(), slot.bytes.size());
  release();
  return {slot.bytes.size(), {}};
}

inline read_slot ring_consumer::peek(deadline until) noexcept {
  read_slot slot = next_message();
  if (XIPC_LIKELY(slot.error != errc::would_block)) return slot;
  return peek_after_wait(until);
}

inline io_result ring_consumer::receive(std::span<std::byte> buffer, deadline until) noexcept {
  return copy_out(peek(until), buffer);
}

inline io_result ring_consumer::try_receive(std::span<std::byte> buffer) noexcept {
  return copy_out(try_peek(), buffer);
}

inline read_slot ring_consumer::try_peek() noexcept {
  read_slot slot = next_message();
  if (XIPC_UNLIKELY(slot.error == errc::would_block)) slot.error = empty_reason();
  return slot;
}

}  // namespace xipc
