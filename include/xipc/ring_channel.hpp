// A named one-way message channel between two processes: an spsc_ring in a
// shared_memory region of the same name. The sender creates or opens it, the
// receiver opens it; one of each may be attached at a time.
//
//   auto tx = xipc::ring_channel::sender::open_or_create("jobs", {.capacity_bytes = 1 << 20});
//   auto rx = xipc::ring_channel::receiver::open("jobs");      // in another process
//   std::error_code sent = tx.send(bytes, 100ms);
//   xipc::io_result got = rx.receive(buffer, xipc::deadline::forever());
//   xipc::ring_channel::remove("jobs");                         // when both are done
//
// Its region is named in the ring namespace (name_kind::ring): a
// shared_memory of the same name is another object.
// Thread safety: a sender or receiver is used by one thread at a time (the
// ring has one producer and one consumer); different objects are independent.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include <xipc/concepts.hpp>
#include <xipc/shared_memory.hpp>
#include <xipc/spsc_ring.hpp>

namespace xipc {

class ring_channel {
 public:
  class sender;
  class receiver;

  // Removes the channel's name; attached ends keep working. False if there was none.
  static bool remove(std::string_view name);
  static bool remove(std::string_view name, std::error_code& ec);

 private:
  static sender open_sender(std::string_view name, const ring_options& options, wait_policy policy,
                            const shared_memory_options& memory_options, detail::failure& why);
  static receiver open_receiver(std::string_view name, wait_policy policy, const shared_memory_options& memory_options,
                                detail::failure& why);
};

class ring_channel::sender {
 public:
  sender() noexcept = default;
  sender(sender&&) noexcept = default;
  // The ring end goes first: it detaches while its memory is still mapped.
  sender& operator=(sender&& other) noexcept {
    producer_ = std::move(other.producer_);
    memory_ = std::move(other.memory_);
    return *this;
  }

  // Creates the channel, or opens it when it exists with the same capacity and
  // maximum message size (errc::invalid_argument names both when they differ).
  // errc::busy while another sender is attached; takes over from a dead one.
  // An existing channel is trusted only under memory_options.perms (owner
  // and mode, as shared_memory::open checks): else errc::permission_denied.
  static sender open_or_create(std::string_view name, const ring_options& options = {}, wait_policy policy = {},
                               const shared_memory_options& memory_options = {});
  static sender open_or_create(std::string_view name, const ring_options& options, wait_policy policy,
                               std::error_code& ec, const shared_memory_options& memory_options = {});

  [[nodiscard]] std::error_code send(std::span<const std::byte> message, deadline until) noexcept {
    return producer_.send(message, until);
  }
  [[nodiscard]] std::error_code try_send(std::span<const std::byte> message) noexcept {
    return producer_.try_send(message);
  }
  // The ring end itself, for the zero-copy and batch forms.
  ring_producer& producer() noexcept { return producer_; }

  // Readiness for room, for event loops and wait_set: ring_producer's
  // (docs/event_loops.md has the protocol).
  [[nodiscard]] bool ready() noexcept { return producer_.ready(); }
  native_handle_type readiness_handle() { return producer_.readiness_handle(); }
  native_handle_type readiness_handle(std::error_code& ec) { return producer_.readiness_handle(ec); }
  [[nodiscard]] bool arm() noexcept { return producer_.arm(); }
  void disarm(bool handle_fired = true) noexcept { producer_.disarm(handle_fired); }

  const std::string& name() const noexcept { return memory_.name(); }
  native_handle_type native_handle() const noexcept { return memory_.native_handle(); }

 private:
  friend class ring_channel;
  sender(shared_memory memory, ring_producer producer) noexcept
      : memory_(std::move(memory)), producer_(std::move(producer)) {}

  shared_memory memory_;
  ring_producer producer_;
};

class ring_channel::receiver {
 public:
  receiver() noexcept = default;
  receiver(receiver&&) noexcept = default;
  receiver& operator=(receiver&& other) noexcept {
    consumer_ = std::move(other.consumer_);
    memory_ = std::move(other.memory_);
    return *this;
  }

  // Opens an existing channel: errc::not_found when no sender created it yet,
  // errc::busy while another receiver is attached, errc::corrupted when the
  // object of that name holds no valid ring.
  // The channel is checked under memory_options.perms as the sender's is.
  static receiver open(std::string_view name, wait_policy policy = {}, const shared_memory_options& memory_options = {});
  static receiver open(std::string_view name, wait_policy policy, std::error_code& ec,
                       const shared_memory_options& memory_options = {});

  [[nodiscard]] io_result receive(std::span<std::byte> buffer, deadline until) noexcept {
    return consumer_.receive(buffer, until);
  }
  [[nodiscard]] io_result try_receive(std::span<std::byte> buffer) noexcept { return consumer_.try_receive(buffer); }
  // The ring end itself, for the zero-copy forms.
  ring_consumer& consumer() noexcept { return consumer_; }

  // Readiness for messages, for event loops and wait_set: ring_consumer's
  // (docs/event_loops.md has the protocol).
  [[nodiscard]] bool ready() noexcept { return consumer_.ready(); }
  native_handle_type readiness_handle() { return consumer_.readiness_handle(); }
  native_handle_type readiness_handle(std::error_code& ec) { return consumer_.readiness_handle(ec); }
  [[nodiscard]] bool arm() noexcept { return consumer_.arm(); }
  void disarm(bool handle_fired = true) noexcept { consumer_.disarm(handle_fired); }

  const std::string& name() const noexcept { return memory_.name(); }
  native_handle_type native_handle() const noexcept { return memory_.native_handle(); }

 private:
  friend class ring_channel;
  receiver(shared_memory memory, ring_consumer consumer) noexcept
      : memory_(std::move(memory)), consumer_(std::move(consumer)) {}

  shared_memory memory_;
  ring_consumer consumer_;
};

static_assert(message_sender<ring_channel::sender>);
static_assert(message_receiver<ring_channel::receiver>);

}  // namespace xipc
