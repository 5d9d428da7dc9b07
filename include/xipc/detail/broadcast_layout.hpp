// The shared-memory layout of a broadcast channel (xipc/broadcast.hpp), the
// one contract between its publisher and its subscribers. Everything a
// process reads from here is checked: the header once at attach (each side
// keeps its own copy of the geometry), positions, stamps and sizes every time.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include <xipc/detail/doorbell_slot.hpp>
#include <xipc/detail/wait_word.hpp>

namespace xipc::detail {

inline constexpr std::size_t broadcast_line_bytes = 128;

// "xipcbcst" read as a little-endian integer.
inline constexpr std::uint64_t broadcast_magic = 0x7473636263706978ull;
inline constexpr std::uint32_t broadcast_layout_version = 3;

// Written once by format_broadcast; magic last (release).
struct alignas(broadcast_line_bytes) broadcast_header {
  std::atomic<std::uint64_t> magic;
  std::uint32_t layout_version;
  std::uint32_t policy;              // slow_subscriber
  std::uint64_t slot_count;          // a power of two
  std::uint64_t slot_bytes;          // stride of a slot: its 16-byte head and payload, in whole lines of 64
  std::uint64_t max_message_bytes;
  std::uint64_t max_subscribers;
  std::uint64_t memory_bytes;        // what the layout needs
  std::uint32_t sleepers;            // broadcast_sleepers_plain or broadcast_sleepers_fence (below)
  std::uint32_t unused;
};

// How the ends that sleep (subscribers for messages, the publisher for room)
// make sure a wake-up is not lost (docs/broadcast.md, "Notifying without a
// fence"), fixed when the channel is formatted:
inline constexpr std::uint32_t broadcast_sleepers_plain = 1;  // notifiers check for sleepers with a read-modify-write
inline constexpr std::uint32_t broadcast_sleepers_fence = 2;  // sleepers run a heavy fence between announcing and
                                                              // their last look; notifiers may check with a plain load

// Written by the publisher only. Sequence numbers count messages from 0.
struct alignas(broadcast_line_bytes) broadcast_publisher_line {
  std::atomic<std::uint64_t> published;  // messages committed: the next one's sequence number
  std::atomic<std::uint64_t> owner;      // 0: never attached, 1: detached, else the publisher's process token
  // The waiting policy's fence against joiners it has not seen (docs/broadcast.md):
  // the lowest sequence its next messages may not overwrite.
  std::atomic<std::uint64_t> guard;
};
inline constexpr std::uint64_t broadcast_owner_none = 0;
inline constexpr std::uint64_t broadcast_owner_detached = 1;

// An event count: who sleeps on it, and the word they sleep on. `bell` is
// the publisher's readiness handle in the room line (unused in the messages
// line, whose bells are the subscribers', one per place, after the places).
struct alignas(broadcast_line_bytes) broadcast_signal_line {
  std::atomic<std::uint32_t> sleepers;
  std::uint32_t unused;
  wait_word word;
  doorbell_slot bell;
  // The room line only: the cursor at which a subscriber that reaches it
  // wakes the waiting publisher (written by the publisher before each wait).
  std::atomic<std::uint64_t> wanted;
};

// One subscriber's place: written by its subscriber (and, for one that
// died, by whoever reclaims it).
struct alignas(broadcast_line_bytes) broadcast_subscriber_line {
  std::atomic<std::uint64_t> owner;   // 0: free, 1: being reclaimed, else the subscriber's process token
  std::atomic<std::uint64_t> cursor;  // the next sequence it reads; broadcast_no_cursor while it holds none
};
inline constexpr std::uint64_t broadcast_no_cursor = ~std::uint64_t{0};
// A place's owner while a publisher frees it after its subscriber died.
inline constexpr std::uint64_t broadcast_place_reclaiming = 1;

// Each slot starts with this; the payload follows. A message of sequence s
// is being written while stamp == 2s + 1 and complete once stamp == 2s + 2
// (a sequence lock: a reader copies, then checks that the stamp held).
struct broadcast_slot_head {
  std::atomic<std::uint64_t> stamp;
  std::atomic<std::uint64_t> size;
};
inline constexpr std::size_t broadcast_slot_head_bytes = sizeof(broadcast_slot_head);

struct broadcast_layout {
  broadcast_header header;
  broadcast_publisher_line publisher;
  broadcast_signal_line messages;  // subscribers sleep here for messages; the publisher wakes them
  broadcast_signal_line room;      // the publisher sleeps here for room or subscribers; subscribers wake it
  // Then max_subscribers subscriber lines, max_subscribers doorbell slots
  // (the subscribers' readiness handles), and slot_count slots.
};

static_assert(sizeof(broadcast_header) == broadcast_line_bytes);
static_assert(sizeof(broadcast_publisher_line) == broadcast_line_bytes);
static_assert(sizeof(broadcast_signal_line) == broadcast_line_bytes);
static_assert(sizeof(broadcast_subscriber_line) == broadcast_line_bytes);
static_assert(sizeof(broadcast_slot_head) == 16);

inline constexpr std::size_t broadcast_subscribers_offset = sizeof(broadcast_layout);

}  // namespace xipc::detail
