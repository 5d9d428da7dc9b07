// The shared-memory layout of a mailbox: the contract between every process
// that opens it. Every mailbox, whatever its backend, has this control region
// (named like the mailbox, in the shared-memory namespace): the options it was
// created with, the owner, the exclusive receiver, and the events that wake
// waiting senders and receivers. The shm backend's queue follows it in the
// same region. Everything read from here is checked before use.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include <xipc/mailbox.hpp>
#include <xipc/detail/doorbell_slot.hpp>

#include "core/setup_error.hpp"
#include "sync/process_lock.hpp"

namespace xipc::detail {

inline constexpr std::size_t mailbox_line_bytes = 128;

// "xipcmbox" read as a little-endian integer.
inline constexpr std::uint64_t mailbox_magic = 0x786f626d63706978ull;
inline constexpr std::uint32_t mailbox_layout_version = 5;

// Limits every backend shares; a backend or the OS may allow less.
inline constexpr std::uint64_t mailbox_max_capacity = std::uint64_t{1} << 20;
inline constexpr std::uint64_t mailbox_max_message_bytes = std::uint64_t{64} << 20;
inline constexpr std::uint64_t mailbox_max_region_bytes = std::uint64_t{1} << 34;

// Written once by the creator before `magic` (release): an opener that sees
// the magic sees the rest. Copied and checked at open, never trusted after.
struct alignas(mailbox_line_bytes) mailbox_header {
  std::atomic<std::uint64_t> magic;
  std::uint32_t version;
  std::uint32_t backend;     // mailbox_backend
  std::uint64_t capacity;    // messages; 0 = rendezvous
  std::uint64_t max_message;
  std::uint32_t lifetime;    // mailbox_lifetime
  std::uint32_t receivers;   // mailbox_receivers
  std::uint64_t owner;       // the creating process's token
  std::uint64_t instance;    // tells this mailbox from a later one of the same name
  std::uint64_t region_bytes;
  std::uint64_t checksum;    // of every field above but magic: damage anywhere is seen
};

// Checks a header copied from a region of `region_bytes` bytes and returns the
// options it describes, or false with `why` set (errc::corrupted saying what
// is wrong): nothing in it is trusted before this.
bool check_mailbox_header(const mailbox_header& header, std::size_t region_bytes, mailbox_options& options,
                          failure& why);

// A word that waiters sleep on and how many do. After a change a waiter may
// be waiting for, the changer bumps `sequence.value` and wakes, but only when
// `sleepers` names a sleeper not woken yet (seq_cst on both sides, as in
// process_lock; xipc/detail/event_count.hpp has the word's form). Handles
// armed for readiness count as sleepers, and are rung with the wake.
inline constexpr std::uint32_t mailbox_readiness_slots = 3;
struct alignas(mailbox_line_bytes) mailbox_event {
  wait_word sequence;
  std::atomic<std::uint32_t> sleepers;
  doorbell_slot bells[mailbox_readiness_slots];
};
static_assert(sizeof(mailbox_event) == mailbox_line_bytes);

struct alignas(mailbox_line_bytes) mailbox_control {
  mailbox_header header;
  // Set when an owned mailbox's owner closed it or was found dead.
  std::atomic<std::uint32_t> closed;
  // The exclusive receiver's process token, 0 when none.
  std::atomic<std::uint64_t> receiver;
  mailbox_event not_empty;   // receivers wait here
  mailbox_event not_full;    // senders wait here
  mailbox_event delivered;   // rendezvous senders wait here for their message to be taken
  alignas(mailbox_line_bytes) process_lock_word rendezvous;  // one rendezvous sender at a time
};
static_assert(sizeof(mailbox_control) % mailbox_line_bytes == 0);
static_assert(offsetof(mailbox_header, magic) == 0 && offsetof(mailbox_header, version) == 8 &&
              offsetof(mailbox_header, capacity) == 16 && offsetof(mailbox_header, max_message) == 24 &&
              offsetof(mailbox_header, region_bytes) == 56);

// ---- the shm backend's queue, after mailbox_control -------------------------------

inline constexpr std::uint32_t mailbox_priorities = 32;
inline constexpr std::uint32_t mailbox_no_slot = 0xffffffffu;

// Everything below is read and written under `lock` only, except `count`.
// Messages live in slots; each priority has a FIFO list of slots, and a free
// list holds the rest. A slot's `state` is the truth: lists and count can be
// rebuilt from the states and sequence numbers when a holder dies mid-change.
struct alignas(mailbox_line_bytes) mailbox_queue_state {
  process_lock_word lock;
  std::atomic<std::uint32_t> count;  // queued messages; also read without the lock
  std::uint32_t nonempty;            // bit p: priority p's list is not empty
  std::uint32_t free_head;
  std::uint32_t slots;
  std::uint64_t next_sequence;
  std::uint32_t head[mailbox_priorities];
  std::uint32_t tail[mailbox_priorities];
};

inline constexpr std::uint32_t mailbox_slot_free = 0;
inline constexpr std::uint32_t mailbox_slot_queued = 1;

struct mailbox_slot_header {
  std::uint32_t next;
  std::uint32_t priority;
  std::uint32_t size;
  std::uint32_t state;
  std::uint64_t sequence;
};
inline constexpr std::size_t mailbox_slot_header_bytes = 32;
static_assert(sizeof(mailbox_slot_header) <= mailbox_slot_header_bytes);

constexpr std::uint64_t mailbox_slot_bytes(std::uint64_t max_message) noexcept {
  return (mailbox_slot_header_bytes + max_message + 63) & ~std::uint64_t{63};
}

}  // namespace xipc::detail
