// The shm mailbox backend: a two-lock queue in the control region
// (mailbox_layout.hpp has the layout and how it works). Senders copy a
// message in under the send lock and receivers copy it out under the receive
// lock, so a sender and a receiver never wait for each other; the two sides
// meet only in the nodes and payloads they hand over and in two counters.
#include <algorithm>
#include <bit>
#include <cstring>
#include <fmt/format.h>

#include "mailbox/mailbox_queue.hpp"
#include "backend/wait_wake.hpp"
#include "sync/wait_word.hpp"

namespace xipc::detail {
namespace {

constexpr std::uint64_t pair_of(std::uint32_t node, std::uint32_t payload) noexcept {
  return (std::uint64_t{node} << 32) | payload;
}

// Keeps an intent's stores before the changes it announces, and the changes
// before the store that clears it, in program order. Only the compiler must
// be held to it: the intent is read by the lock's next holder only after the
// writer is dead, and a killed process's stores have all reached memory by
// the time another process has seen it dead (which takes system calls).
void intent_fence() noexcept { std::atomic_signal_fence(std::memory_order_seq_cst); }

class shm_queue final : public mailbox_queue {
 public:
  shm_queue(mailbox_queue_state& state, std::byte* after_state, std::uint32_t slots, std::uint64_t max_message) noexcept
      : state_(state),
        ring_(reinterpret_cast<std::atomic<std::uint64_t>*>(after_state)),
        nodes_(reinterpret_cast<mailbox_node*>(after_state + mailbox_ring_bytes(slots))),
        payloads_(after_state + mailbox_ring_bytes(slots) + (std::uint64_t{slots} + mailbox_priorities) * sizeof(mailbox_node)),
        slots_(slots),
        node_count_(slots + mailbox_priorities),
        payload_bytes_(mailbox_payload_bytes(max_message)),
        max_message_(max_message) {}

  // Bytes after mailbox_queue_state for `slots` slots of `max_message` bytes.
  static std::uint64_t area_bytes(std::uint64_t slots, std::uint64_t max_message) noexcept {
    return mailbox_ring_bytes(slots) + (slots + mailbox_priorities) * sizeof(mailbox_node) +
           slots * mailbox_payload_bytes(max_message);
  }


  std::error_code try_send(std::span<const std::byte> message, unsigned priority, deadline lock_until) noexcept
      override {
    guard held(*this, state_.send_lock, &shm_queue::repair_send, lock_until);
    if (held.error) return held.error;
    const std::uint64_t taken = state_.free_read.load(std::memory_order_relaxed);
    std::uint64_t put = state_.free_write_seen;
    if (put == taken) {
      // Seq_cst: with a receiver's seq_cst store of free_write, then its look
      // at the sleepers, either this sees the room or the receiver sees this
      // sender's announced sleep (event_count).
      put = state_.free_write.load(std::memory_order_seq_cst);
      state_.free_write_seen = put;
    }
    if (put < taken || put - taken > slots_) return make_error_code(errc::corrupted);
    if (put == taken) return make_error_code(errc::would_block);
    const std::uint64_t pair = ring_[taken % slots_].load(std::memory_order_relaxed);
    const auto node = static_cast<std::uint32_t>(pair >> 32);
    const auto payload = static_cast<std::uint32_t>(pair);
    const std::uint32_t tail = state_.tail[priority];
    if (node >= node_count_ || payload >= slots_ || tail >= node_count_ || tail == node) {
      return make_error_code(errc::corrupted);
    }
    mailbox_send_intent& intent = state_.send_intent;
    intent.node = node;
    intent.payload = payload;
    intent.priority = priority;
    intent.tail_before = tail;
    intent.sent_before = state_.sent[priority].load(std::memory_order_relaxed);
    intent.free_read_before = taken;
    intent_fence();
    intent.active.store(1, std::memory_order_relaxed);
    intent_fence();
    if (!message.empty()) std::memcpy(payload_of(payload), message.data(), message.size());
    nodes_[node].next.store(mailbox_no_slot, std::memory_order_relaxed);
    mailbox_node& last = nodes_[tail];
    last.payload = payload;
    last.size = static_cast<std::uint32_t>(message.size());
    last.priority = priority;
    // The message is in its list from here: a receiver that reads this link
    // (acquire) sees the description and the payload whole.
    last.next.store(node, std::memory_order_release);
    state_.tail[priority] = node;
    const std::uint32_t bit = std::uint32_t{1} << priority;
    if ((state_.used.load(std::memory_order_relaxed) & bit) == 0) {
      state_.used.fetch_or(bit, std::memory_order_seq_cst);
    }
    // Seq_cst, as the receiver's free_write: a readiness handle's arming
    // (size()) and a sleeping receiver read them after their seq_cst announcement.
    state_.free_read.store(taken + 1, std::memory_order_seq_cst);
    state_.sent[priority].store(intent.sent_before + 1, std::memory_order_seq_cst);
    intent_fence();
    intent.active.store(0, std::memory_order_relaxed);
    return {};
  }

  mailbox_result try_receive(std::span<std::byte> buffer, deadline lock_until) noexcept override {
    mailbox_result result;
    guard held(*this, state_.receive_lock, &shm_queue::repair_receive, lock_until);
    if (held.error) {
      result.error = held.error;
      return result;
    }
    // The highest priority with a message. Seq_cst: with a sender's seq_cst
    // store of sent[], then its look at the sleepers, either this sees the
    // message or the sender sees this receiver's announced sleep.
    // Only priorities that have had a message are looked at (`used`, set
    // before the first one's count).
    std::uint32_t used = state_.used.load(std::memory_order_seq_cst);
    unsigned priority = mailbox_priorities;
    while (used != 0) {
      priority = static_cast<unsigned>(std::bit_width(used) - 1);
      const std::uint32_t waiting =
          state_.sent[priority].load(std::memory_order_seq_cst) - state_.received[priority];
      if (waiting > slots_) return corrupted();
      if (waiting != 0) break;
      used &= ~(std::uint32_t{1} << priority);
      priority = mailbox_priorities;
    }
    if (priority >= mailbox_priorities) {
      result.error = make_error_code(errc::would_block);
      return result;
    }
    const std::uint32_t dummy = state_.head[priority];
    if (dummy >= node_count_) return corrupted();
    // The dummy describes the message after it.
    const mailbox_node& first = nodes_[dummy];
    const std::uint32_t index = first.next.load(std::memory_order_acquire);
    if (index >= node_count_ || index == dummy) return corrupted();
    const std::uint32_t payload = first.payload;
    const std::uint32_t size = first.size;
    if (payload >= slots_ || size > max_message_ || first.priority != priority) return corrupted();
    result.bytes = size;
    result.priority = priority;
    if (size > buffer.size()) {
      result.error = make_error_code(errc::message_too_large);
      return result;
    }
    // Copied out before it is unlinked: a receiver that dies here leaves the message queued.
    if (size != 0) std::memcpy(buffer.data(), payload_of(payload), size);
    mailbox_receive_intent& intent = state_.receive_intent;
    intent.dummy = dummy;
    intent.node = index;
    intent.payload = payload;
    intent.priority = priority;
    intent.received_before = state_.received[priority];
    intent.free_write_before = state_.free_write.load(std::memory_order_relaxed);
    intent_fence();
    intent.active.store(1, std::memory_order_relaxed);
    intent_fence();
    state_.head[priority] = index;
    free_pair(intent);
    intent_fence();
    intent.active.store(0, std::memory_order_relaxed);
    return result;
  }

  std::size_t size() const noexcept override {
    // free_read first: free_write, read after, is at least it.
    const std::uint64_t taken = state_.free_read.load(std::memory_order_seq_cst);
    const std::uint64_t put = state_.free_write.load(std::memory_order_seq_cst);
    const std::uint64_t free = put - taken;
    return free >= slots_ ? 0 : static_cast<std::size_t>(slots_ - free);
  }
  bool cheap_to_poll() const noexcept override { return true; }

  // Lays out an empty queue in fresh (zeroed) memory: node p is priority p's
  // dummy, and every other node is free with a payload slot.
  void format() noexcept {
    state_.slots = slots_;
    state_.nodes = node_count_;
    for (std::uint32_t p = 0; p < mailbox_priorities; ++p) {
      state_.head[p] = state_.tail[p] = p;
      nodes_[p].next.store(mailbox_no_slot, std::memory_order_relaxed);
    }
    for (std::uint32_t i = 0; i < slots_; ++i) {
      ring_[i].store(pair_of(mailbox_priorities + i, i), std::memory_order_relaxed);
    }
    state_.free_write.store(slots_, std::memory_order_relaxed);
    state_.free_write_seen = slots_;
  }

 private:
  // Holds one of the two locks for one operation, finishing or undoing a
  // dead previous holder's change first. A holder that lives but does not
  // let go (stopped, wedged) costs the caller its deadline, never more: then
  // `error` is errc::timed_out, or errc::would_block for an immediate one.
  struct guard {
    guard(shm_queue& queue, process_lock_word& word, std::error_code (shm_queue::*repair)() noexcept,
          deadline until) noexcept
        : word_(word) {
      const auto taken = lock(word_, until);
      if (taken == lock_result::timed_out) {
        error = make_error_code(until.is_immediate() ? errc::would_block : errc::timed_out);
        return;
      }
      held = true;
      if (taken == lock_result::recovered) error = (queue.*repair)();
    }
    ~guard() {
      if (held) unlock(word_);
    }
    guard(const guard&) = delete;
    guard& operator=(const guard&) = delete;
    process_lock_word& word_;
    std::error_code error;
    bool held = false;
  };

  std::byte* payload_of(std::uint32_t slot) const noexcept { return payloads_ + std::uint64_t{slot} * payload_bytes_; }

  mailbox_result corrupted() const noexcept {
    mailbox_result result;
    result.error = make_error_code(errc::corrupted);
    return result;
  }

  // The end of a receive, after the list's head moved to intent.node: the
  // old dummy and the taken payload go back to the senders. Written from the
  // intent alone, so that repair can run it again.
  void free_pair(const mailbox_receive_intent& intent) noexcept {
    ring_[intent.free_write_before % slots_].store(pair_of(intent.dummy, intent.payload), std::memory_order_relaxed);
    state_.received[intent.priority] = intent.received_before + 1;
    // Seq_cst: see try_send.
    state_.free_write.store(intent.free_write_before + 1, std::memory_order_seq_cst);
  }

  // A sender died holding the send lock. Its message counts if it got into
  // its list (then the rest of the send is done here), else none of it does.
  std::error_code repair_send() noexcept {
    mailbox_send_intent& intent = state_.send_intent;
    // The next send reads free_write afresh.
    struct look_again {
      mailbox_queue_state& state;
      ~look_again() { state.free_write_seen = state.free_read.load(std::memory_order_relaxed); }
    } afterwards{state_};
    if (intent.active.load(std::memory_order_relaxed) == 0) return {};
    const std::uint32_t priority = intent.priority;
    if (priority >= mailbox_priorities || intent.node >= node_count_ || intent.tail_before >= node_count_) {
      return make_error_code(errc::corrupted);
    }
    const bool linked = state_.tail[priority] == intent.node ||
                        nodes_[intent.tail_before].next.load(std::memory_order_acquire) == intent.node;
    const std::uint32_t done = linked ? 1 : 0;
    state_.tail[priority] = linked ? intent.node : intent.tail_before;
    if (linked) state_.used.fetch_or(std::uint32_t{1} << priority, std::memory_order_seq_cst);
    state_.free_read.store(intent.free_read_before + done, std::memory_order_seq_cst);
    state_.sent[priority].store(intent.sent_before + done, std::memory_order_seq_cst);
    intent_fence();
    intent.active.store(0, std::memory_order_relaxed);
    return {};
  }

  // A receiver died holding the receive lock. Its message is gone if it
  // moved the list's head (it had copied it out), and then the rest of the
  // receive is done here; else the message is still queued.
  std::error_code repair_receive() noexcept {
    mailbox_receive_intent& intent = state_.receive_intent;
    if (intent.active.load(std::memory_order_relaxed) == 0) return {};
    const std::uint32_t priority = intent.priority;
    if (priority >= mailbox_priorities || intent.dummy >= node_count_ || intent.node >= node_count_ ||
        intent.payload >= slots_) {
      return make_error_code(errc::corrupted);
    }
    if (state_.head[priority] == intent.node) {
      free_pair(intent);
    } else {
      state_.head[priority] = intent.dummy;
      state_.received[priority] = intent.received_before;
      state_.free_write.store(intent.free_write_before, std::memory_order_seq_cst);
    }
    intent_fence();
    intent.active.store(0, std::memory_order_relaxed);
    return {};
  }

  mailbox_queue_state& state_;
  std::atomic<std::uint64_t>* ring_;
  mailbox_node* nodes_;
  std::byte* payloads_;
  std::uint32_t slots_;
  std::uint32_t node_count_;
  std::uint64_t payload_bytes_;
  std::uint64_t max_message_;
};

// A rendezvous mailbox holds the one message being handed over.
std::uint64_t slot_count(const mailbox_options& options) noexcept {
  return options.capacity == 0 ? 1 : options.capacity;
}

std::unique_ptr<shm_queue> make_queue(const mailbox_setup& setup) {
  auto& state = *reinterpret_cast<mailbox_queue_state*>(setup.queue_memory.data());
  return std::make_unique<shm_queue>(state, setup.queue_memory.data() + sizeof(mailbox_queue_state),
                                     static_cast<std::uint32_t>(slot_count(setup.options)),
                                     setup.options.max_message_bytes);
}

}  // namespace

template <>
std::uint64_t mailbox_backend_of<mailbox_backend::shm>::queue_bytes(const mailbox_options& options) {
  return sizeof(mailbox_queue_state) + shm_queue::area_bytes(slot_count(options), options.max_message_bytes);
}

template <>
std::unique_ptr<mailbox_queue> mailbox_backend_of<mailbox_backend::shm>::create(const mailbox_setup& setup,
                                                                              failure& /*why*/) {
  auto* state = new (setup.queue_memory.data()) mailbox_queue_state{};
  format_wait_word(state->send_lock.sequence);
  format_wait_word(state->receive_lock.sequence);
  auto queue = make_queue(setup);
  queue->format();
  return queue;
}

template <>
std::unique_ptr<mailbox_queue> mailbox_backend_of<mailbox_backend::shm>::open(const mailbox_setup& setup, failure& why) {
  const auto& state = *reinterpret_cast<const mailbox_queue_state*>(setup.queue_memory.data());
  const std::uint64_t slots = slot_count(setup.options);
  if (state.slots != slots || state.nodes != slots + mailbox_priorities) {
    why = refuse(errc::corrupted, fmt::format("the queue has {} slots and {} nodes where its header says {} and {}",
                                              state.slots, state.nodes, slots, slots + mailbox_priorities));
    return {};
  }
  return make_queue(setup);
}

template <>
void mailbox_backend_of<mailbox_backend::shm>::remove(std::string_view /*name*/) {}

}  // namespace xipc::detail
