// The shared-memory layout of an spsc_ring, the one contract between the two
// processes. Everything a process reads from here is checked before use:
// header fields are copied and validated once at attach, positions and
// record headers every time they are read.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace xipc::detail {

// Two cache lines: adjacent-line prefetchers fetch 64-byte lines in pairs, so
// 64-byte separation would still let the two sides disturb each other.
inline constexpr std::size_t ring_line_bytes = 128;

// "xipcring" read as a little-endian integer.
inline constexpr std::uint64_t ring_magic = 0x676e697263706978ull;
inline constexpr std::uint32_t ring_layout_version = 1;

// Every record starts 8-aligned with this header; the payload follows it.
struct ring_record_header {
  std::uint32_t size;  // payload bytes (message) or bytes skipped after the header (padding)
  std::uint32_t kind;  // ring_record_message or ring_record_padding
};
inline constexpr std::size_t ring_record_align = 8;
inline constexpr std::uint32_t ring_record_message = 0x3147534du;  // "MSG1"
inline constexpr std::uint32_t ring_record_padding = 0x31444150u;  // "PAD1"
static_assert(sizeof(ring_record_header) == ring_record_align);

// The bytes a record with `payload` bytes takes, header and alignment included.
constexpr std::uint64_t ring_record_bytes(std::uint64_t payload) noexcept {
  return (sizeof(ring_record_header) + payload + ring_record_align - 1) & ~std::uint64_t{ring_record_align - 1};
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
// writes the position; the other side reads it when its cached copy runs out.
struct alignas(ring_line_bytes) ring_position_line {
  std::atomic<std::uint64_t> position;  // monotonically increasing byte count; never wraps in practice (2^64)
  std::atomic<std::uint64_t> owner;     // 0: never attached, 1: detached, else the owner's process token
};
inline constexpr std::uint64_t ring_owner_none = 0;
inline constexpr std::uint64_t ring_owner_detached = 1;

// Sleep and wake for one side, kept off the position lines so that the hot
// path's position stores never invalidate what the other side polls.
struct alignas(ring_line_bytes) ring_signal_line {
  std::atomic<std::uint32_t> sleeping;       // 1 while this side is asleep or about to be
  std::atomic<std::uint32_t> wake_sequence;  // the futex word this side sleeps on; the other side bumps it
  std::atomic<std::uint32_t> may_sleep;      // this side's wait mode can sleep: the other must check `sleeping`
};

struct ring_layout {
  ring_header header;
  ring_position_line producer;  // position = tail: the end of the last committed record
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
