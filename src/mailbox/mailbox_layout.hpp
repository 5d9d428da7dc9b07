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
inline constexpr std::uint32_t mailbox_layout_version = 6;

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
//
// Two locks, as in Michael and Scott's two-lock queue: senders take
// `send_lock`, receivers `receive_lock`, so one sender and one receiver
// never wait for each other, and each lock stays in its own side's cache.
// A message is a node (a small record) and a payload slot. Each priority
// has a FIFO list of nodes that starts at a dummy: a receiver takes the
// node after the dummy, which becomes the new dummy, and frees the old
// dummy with the taken message's payload slot. Free (node, payload) pairs
// go from receivers to senders through `free_ring`, indexed by two counters
// that only grow: a sender takes the pair at `free_read`, a receiver puts
// one at `free_write`. So `free_write - free_read` pairs are free, and
// `slots - (free_write - free_read)` messages are queued.
//
// Every lock holder writes what it is about to do (an intent) before it
// changes anything, and clears it after: a holder that dies mid-change
// leaves the intent, which the next holder of that lock finishes or undoes.

inline constexpr std::uint32_t mailbox_priorities = 32;
inline constexpr std::uint32_t mailbox_no_slot = 0xffffffffu;

// A sender's change in progress.
struct mailbox_send_intent {
  std::atomic<std::uint32_t> active;
  std::uint32_t node;         // the node being added
  std::uint32_t payload;
  std::uint32_t priority;
  std::uint32_t tail_before;  // the list's last node before it
  std::uint32_t sent_before;  // sent[priority] before it
  std::uint64_t free_read_before;
};

// A receiver's change in progress.
struct mailbox_receive_intent {
  std::atomic<std::uint32_t> active;
  std::uint32_t dummy;    // the list's dummy, freed by the change
  std::uint32_t node;     // the node taken, the new dummy
  std::uint32_t payload;  // its payload slot, freed by the change
  std::uint32_t priority;
  std::uint32_t received_before;
  std::uint64_t free_write_before;
};

struct alignas(mailbox_line_bytes) mailbox_queue_state {
  // ---- senders' own: read and written under send_lock only ----
  process_lock_word send_lock;
  std::uint64_t free_write_seen;  // free_write as senders last read it
  mailbox_send_intent send_intent;
  alignas(mailbox_line_bytes) std::uint32_t tail[mailbox_priorities];
  // ---- written by senders, read by receivers: one line for the common case ----
  // Pairs taken = messages sent.
  alignas(mailbox_line_bytes) std::atomic<std::uint64_t> free_read;
  // Bit p: priority p has had a message; never cleared. Receivers look only at those.
  std::atomic<std::uint32_t> used;
  // Messages sent at each priority (wrapping): bumped once the message is in
  // its list, after free_read, so that receivers, which count by these,
  // never take more than free_read counts.
  std::atomic<std::uint32_t> sent[mailbox_priorities];
  // ---- receivers' own: read and written under receive_lock only ----
  alignas(mailbox_line_bytes) process_lock_word receive_lock;
  mailbox_receive_intent receive_intent;
  alignas(mailbox_line_bytes) std::uint32_t received[mailbox_priorities];  // taken at each priority (wrapping)
  std::uint32_t head[mailbox_priorities];                                   // each list's dummy
  // ---- written by receivers, read by senders ----
  alignas(mailbox_line_bytes) std::atomic<std::uint64_t> free_write;
  // ---- fixed at creation ----
  alignas(mailbox_line_bytes) std::uint32_t slots;  // payload slots: the capacity
  std::uint32_t nodes;                              // slots + mailbox_priorities
};

// After the state: free_ring (`slots` entries, node << 32 | payload), then
// the nodes, then the payload slots. A node describes the message after it
// in its list, so that a receiver finds the message it takes, and its
// payload, in the dummy alone. A node has a line of its own: a sender
// preparing one never disturbs a receiver reading its neighbour.
struct alignas(64) mailbox_node {
  std::atomic<std::uint32_t> next;  // the next node; mailbox_no_slot at the end of a list
  std::uint32_t payload;            // the next node's message: its payload slot,
  std::uint32_t size;               // its size
  std::uint32_t priority;           // and its priority (the list's)
};
static_assert(sizeof(mailbox_node) == 64);

// The free ring's bytes, rounded up to whole lines: the nodes after it start on one.
constexpr std::uint64_t mailbox_ring_bytes(std::uint64_t slots) noexcept {
  return (slots * sizeof(std::uint64_t) + mailbox_line_bytes - 1) / mailbox_line_bytes * mailbox_line_bytes;
}

// A payload slot: whole lines, and one more when that would make the slots'
// stride a multiple of 4 KiB, which puts every slot in the same cache sets
// and makes copies between two such addresses stall on 4 KiB aliasing.
constexpr std::uint64_t mailbox_payload_bytes(std::uint64_t max_message) noexcept {
  const std::uint64_t lines = (max_message + 63) & ~std::uint64_t{63};
  return lines % 4096 == 0 ? lines + 64 : lines;
}

}  // namespace xipc::detail
