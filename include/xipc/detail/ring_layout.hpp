// The shared-memory layout of an spsc_ring, the one contract between the two
// processes. Everything a process reads from here is checked before use:
// header fields are copied and validated once at attach, positions and
// record headers every time they are read.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include <xipc/detail/doorbell_slot.hpp>
#include <xipc/detail/wait_word.hpp>

namespace xipc::detail {

// Two cache lines: adjacent-line prefetchers fetch 64-byte lines in pairs, so
// 64-byte separation would still let the two sides disturb each other.
inline constexpr std::size_t ring_line_bytes = 128;

// "xipcring" read as a little-endian integer.
inline constexpr std::uint64_t ring_magic = 0x676e697263706978ull;
inline constexpr std::uint32_t ring_layout_version = 5;

// Every record starts 8-aligned with a 64-bit header word; the payload follows.
// The consumer polls the header word itself (not the producer's position), so
// a small message costs one cache-line transfer. The word is
//   bit 63       committed: the producer stores the word last, with release
//   bit 62       padding: skip to the end of the ring
//   bits 32..61  tag: bits 3..32 of the record's position, so a record from
//                another lap of the ring is never taken for this one
//   bits 0..31   size: payload bytes (message) or bytes skipped after the word (padding)
// Before publishing a record, the producer zeroes the word after it, so the
// consumer finds either 0 (nothing yet) or a new header there, never an old one.
inline constexpr std::size_t ring_record_align = 8;
inline constexpr std::size_t ring_record_header_bytes = 8;
inline constexpr std::uint64_t ring_record_committed = std::uint64_t{1} << 63;
inline constexpr std::uint64_t ring_record_padding = std::uint64_t{1} << 62;
inline constexpr std::uint64_t ring_record_tag_mask = (std::uint64_t{1} << 30) - 1;

// The bytes a record with `payload` bytes takes, header and alignment included.
constexpr std::uint64_t ring_record_bytes(std::uint64_t payload) noexcept {
  return (ring_record_header_bytes + payload + ring_record_align - 1) & ~std::uint64_t{ring_record_align - 1};
}

// The tag of a record that starts at `position`.
constexpr std::uint64_t ring_record_tag(std::uint64_t position) noexcept {
  return (position / ring_record_align) & ring_record_tag_mask;
}

// The committed header word of a record at `position`.
constexpr std::uint64_t ring_record_word(std::uint64_t position, std::uint64_t size, bool padding) noexcept {
  return ring_record_committed | (padding ? ring_record_padding : 0) | (ring_record_tag(position) << 32) |
         (size & 0xffffffffu);
}

constexpr std::uint64_t ring_record_size(std::uint64_t word) noexcept { return word & 0xffffffffu; }
constexpr std::uint64_t ring_record_word_tag(std::uint64_t word) noexcept {
  return (word >> 32) & ring_record_tag_mask;
}

// Written once by format_ring; magic last (release), so an attacher that
// sees the magic sees the rest.
struct alignas(ring_line_bytes) ring_header {
  std::atomic<std::uint64_t> magic;
  std::uint32_t layout_version;
  std::uint32_t data_offset;
  std::uint64_t capacity_bytes;
  std::uint64_t max_message_bytes;
};

// A position and the token of the process that owns that end. Only the owner
// writes the position. The producer reads the consumer's position when its
// cached copy says the ring is full; the consumer reads the producer's only
// at attach (it follows the record headers instead).
struct alignas(ring_line_bytes) ring_position_line {
  std::atomic<std::uint64_t> position;  // monotonically increasing byte count; never wraps in practice (2^64)
  std::atomic<std::uint64_t> owner;     // 0: never attached, 1: detached, else the owner's process token
};
inline constexpr std::uint64_t ring_owner_none = 0;
inline constexpr std::uint64_t ring_owner_detached = 1;

// Sleep and wake for one side, kept off the position lines so that the hot
// path's position stores never invalidate what the other side polls.
struct alignas(ring_line_bytes) ring_signal_line {
  std::atomic<std::uint32_t> sleeping;       // with `wake`, this side's event count: 1 while it sleeps or is about to
  std::atomic<std::uint32_t> may_sleep;      // ring_never_sleeps, ring_sleeps or ring_sleeps_fenced (below)
  wait_word wake;                            // what this side sleeps on; the other side bumps it
  doorbell_slot bell;                        // this side's readiness handle, rung with `wake` while armed
};

// What a side's `may_sleep` tells the other side, which notifies it:
inline constexpr std::uint32_t ring_never_sleeps = 0;   // spinning, no readiness handle: no check needed
inline constexpr std::uint32_t ring_sleeps = 1;         // may sleep: check `sleeping` with a read-modify-write
inline constexpr std::uint32_t ring_sleeps_fenced = 2;  // may sleep, and runs a heavy fence between announcing a
                                                        // sleep and looking again: a notifier registered for light
                                                        // notifies may check with a plain load (event_count.hpp)

struct ring_layout {
  ring_header header;
  ring_position_line producer;  // position = tail: the end of the last published record
  ring_position_line consumer;  // position = head: the start of the oldest unreleased record
  ring_signal_line producer_signal;
  ring_signal_line consumer_signal;
};

static_assert(std::atomic<std::uint64_t>::is_always_lock_free, "positions must be lock-free to be shared");
static_assert(std::atomic<std::uint32_t>::is_always_lock_free, "futex words must be lock-free to be shared");
static_assert(sizeof(std::atomic<std::uint64_t>) == 8 && sizeof(std::atomic<std::uint32_t>) == 4,
              "atomics must have no hidden lock or padding: another process reads them");
static_assert(sizeof(ring_header) == ring_line_bytes);
static_assert(sizeof(ring_position_line) == ring_line_bytes);
static_assert(sizeof(ring_signal_line) == ring_line_bytes);
static_assert(offsetof(ring_layout, producer) == 1 * ring_line_bytes);
static_assert(offsetof(ring_layout, consumer) == 2 * ring_line_bytes);
static_assert(offsetof(ring_layout, producer_signal) == 3 * ring_line_bytes);
static_assert(offsetof(ring_layout, consumer_signal) == 4 * ring_line_bytes);
static_assert(sizeof(ring_layout) == 5 * ring_line_bytes);

// The data area starts right after the layout.
inline constexpr std::size_t ring_data_offset = sizeof(ring_layout);

}  // namespace xipc::detail
