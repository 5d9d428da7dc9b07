// The shm mailbox backend: slots in the control region, a FIFO list per
// priority, and a process_lock around every change. Messages are copied in
// and out under the lock: one lock round per message.
#include <bit>
#include <cstring>
#include <fmt/format.h>
#include <vector>
#include <algorithm>

#include "mailbox/mailbox_queue.hpp"
#include "backend/wait_wake.hpp"
#include "sync/wait_word.hpp"

namespace xipc::detail {
namespace {

class shm_queue final : public mailbox_queue {
 public:
  shm_queue(mailbox_queue_state& state, std::byte* slots, std::uint32_t slot_count, std::uint64_t slot_bytes,
            std::uint64_t max_message) noexcept
      : state_(state), slots_(slots), slot_count_(slot_count), slot_bytes_(slot_bytes), max_message_(max_message) {}

  std::error_code try_send(std::span<const std::byte> message, unsigned priority, deadline lock_until) noexcept
      override {
    guard held(*this, lock_until);
    if (held.error) return held.error;
    const std::uint32_t index = state_.free_head;
    if (index == mailbox_no_slot) return make_error_code(errc::would_block);
    if (index >= slot_count_) return make_error_code(errc::corrupted);
    mailbox_slot_header& slot = header(index);
    if (slot.state != mailbox_slot_free) return make_error_code(errc::corrupted);
    state_.free_head = slot.next;
    // The state is written last: a holder that dies before it leaves a slot
    // that repair() returns to the free list.
    if (!message.empty()) std::memcpy(payload(index), message.data(), message.size());
    slot.size = static_cast<std::uint32_t>(message.size());
    slot.priority = priority;
    slot.sequence = state_.next_sequence++;
    slot.next = mailbox_no_slot;
    slot.state = mailbox_slot_queued;
    append(index);
    // Seq_cst: a readiness handle's arming looks at the count with no lock,
    // after its seq_cst announcement (docs/event_loops.md).
    state_.count.store(state_.count.load(std::memory_order_relaxed) + 1, std::memory_order_seq_cst);
    return {};
  }

  mailbox_result try_receive(std::span<std::byte> buffer, deadline lock_until) noexcept override {
    mailbox_result result;
    guard held(*this, lock_until);
    if (held.error) {
      result.error = held.error;
      return result;
    }
    if (state_.nonempty == 0) {
      result.error = make_error_code(errc::would_block);
      return result;
    }
    const unsigned priority = static_cast<unsigned>(std::bit_width(state_.nonempty) - 1);
    const std::uint32_t index = state_.head[priority];
    if (index >= slot_count_) return corrupted();
    mailbox_slot_header& slot = header(index);
    if (slot.state != mailbox_slot_queued || slot.priority != priority || slot.size > max_message_ ||
        (slot.next != mailbox_no_slot && slot.next >= slot_count_)) {
      return corrupted();
    }
    result.bytes = slot.size;
    result.priority = priority;
    if (slot.size > buffer.size()) {
      result.error = make_error_code(errc::message_too_large);
      return result;
    }
    // Copied out before it is unlinked: a receiver that dies here leaves the message queued.
    if (slot.size != 0) std::memcpy(buffer.data(), payload(index), slot.size);
    state_.head[priority] = slot.next;
    if (slot.next == mailbox_no_slot) {
      state_.tail[priority] = mailbox_no_slot;
      state_.nonempty &= ~(1u << priority);
    }
    slot.state = mailbox_slot_free;
    slot.next = state_.free_head;
    state_.free_head = index;
    state_.count.store(state_.count.load(std::memory_order_relaxed) - 1, std::memory_order_seq_cst);
    return result;
  }

  std::size_t size() const noexcept override { return state_.count.load(std::memory_order_seq_cst); }
  bool cheap_to_poll() const noexcept override { return true; }

  // Lays out an empty queue in fresh (zeroed) memory.
  void format() noexcept {
    state_.slots = slot_count_;
    state_.free_head = mailbox_no_slot;
    for (std::uint32_t p = 0; p < mailbox_priorities; ++p) state_.head[p] = state_.tail[p] = mailbox_no_slot;
    for (std::uint32_t index = slot_count_; index-- > 0;) {
      header(index).next = state_.free_head;
      state_.free_head = index;
    }
  }

 private:
  // Holds the lock for one operation, repairing the queue first when the
  // previous holder died holding it. A holder that lives but does not let go
  // (stopped, wedged) costs the caller its deadline, never more: then `error`
  // is errc::timed_out, or errc::would_block for an immediate one.
  struct guard {
    guard(shm_queue& queue, deadline until) noexcept : queue_(queue) {
      const auto taken = lock(queue_.state_.lock, until);
      if (taken == lock_result::timed_out) {
        error = make_error_code(until.is_immediate() ? errc::would_block : errc::timed_out);
        return;
      }
      held = true;
      if (taken == lock_result::recovered) error = queue_.repair();
    }
    ~guard() {
      if (held) unlock(queue_.state_.lock);
    }
    guard(const guard&) = delete;
    guard& operator=(const guard&) = delete;
    shm_queue& queue_;
    std::error_code error;
    bool held = false;
  };

  mailbox_slot_header& header(std::uint32_t index) const noexcept {
    return *reinterpret_cast<mailbox_slot_header*>(slots_ + std::uint64_t{index} * slot_bytes_);
  }
  std::byte* payload(std::uint32_t index) const noexcept {
    return slots_ + std::uint64_t{index} * slot_bytes_ + mailbox_slot_header_bytes;
  }

  void append(std::uint32_t index) noexcept {
    const unsigned priority = header(index).priority;
    const std::uint32_t tail = state_.tail[priority];
    if (tail == mailbox_no_slot || tail >= slot_count_) {
      state_.head[priority] = index;
    } else {
      header(tail).next = index;
    }
    state_.tail[priority] = index;
    state_.nonempty |= 1u << priority;
  }

  mailbox_result corrupted() const noexcept {
    mailbox_result result;
    result.error = make_error_code(errc::corrupted);
    return result;
  }

  // Rebuilds the lists, the free list and the count from the slots' states,
  // in sequence order within each priority. A slot in no known state is
  // reported, not guessed at.
  std::error_code repair() noexcept {
    if (state_.slots != slot_count_) return make_error_code(errc::corrupted);
    std::vector<std::uint32_t> queued;
    try {
      queued.reserve(slot_count_);
    } catch (...) {
      return make_error_code(errc::corrupted);
    }
    for (std::uint32_t index = 0; index < slot_count_; ++index) {
      const mailbox_slot_header& slot = header(index);
      if (slot.state == mailbox_slot_queued) {
        if (slot.priority >= mailbox_priorities || slot.size > max_message_) return make_error_code(errc::corrupted);
        queued.push_back(index);
      } else if (slot.state != mailbox_slot_free) {
        return make_error_code(errc::corrupted);
      }
    }
    state_.free_head = mailbox_no_slot;
    for (std::uint32_t index = slot_count_; index-- > 0;) {
      mailbox_slot_header& slot = header(index);
      if (slot.state == mailbox_slot_free) {
        slot.next = state_.free_head;
        state_.free_head = index;
      }
    }
    std::sort(queued.begin(), queued.end(),
              [&](std::uint32_t a, std::uint32_t b) { return header(a).sequence < header(b).sequence; });
    state_.nonempty = 0;
    for (std::uint32_t p = 0; p < mailbox_priorities; ++p) state_.head[p] = state_.tail[p] = mailbox_no_slot;
    for (const std::uint32_t index : queued) {
      header(index).next = mailbox_no_slot;
      append(index);
    }
    state_.count.store(static_cast<std::uint32_t>(queued.size()), std::memory_order_relaxed);
    return {};
  }

  mailbox_queue_state& state_;
  std::byte* slots_;
  std::uint32_t slot_count_;
  std::uint64_t slot_bytes_;
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
                                     mailbox_slot_bytes(setup.options.max_message_bytes),
                                     setup.options.max_message_bytes);
}

}  // namespace

template <>
std::uint64_t mailbox_backend_of<mailbox_backend::shm>::queue_bytes(const mailbox_options& options) {
  return sizeof(mailbox_queue_state) + slot_count(options) * mailbox_slot_bytes(options.max_message_bytes);
}

template <>
std::unique_ptr<mailbox_queue> mailbox_backend_of<mailbox_backend::shm>::create(const mailbox_setup& setup,
                                                                              failure& /*why*/) {
  auto* state = new (setup.queue_memory.data()) mailbox_queue_state{};
  format_wait_word(state->lock.sequence);
  auto queue = make_queue(setup);
  queue->format();
  return queue;
}

template <>
std::unique_ptr<mailbox_queue> mailbox_backend_of<mailbox_backend::shm>::open(const mailbox_setup& setup, failure& why) {
  const auto& state = *reinterpret_cast<const mailbox_queue_state*>(setup.queue_memory.data());
  if (state.slots != slot_count(setup.options)) {
    why = refuse(errc::corrupted, fmt::format("the queue has {} slots where its header says {}", state.slots,
                                              slot_count(setup.options)));
    return {};
  }
  return make_queue(setup);
}

template <>
void mailbox_backend_of<mailbox_backend::shm>::remove(std::string_view /*name*/) {}

}  // namespace xipc::detail
