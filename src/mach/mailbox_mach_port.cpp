// The mach_port mailbox backend (macOS): the queue is a Mach port. The
// creating process holds the port's receive right, checked in with the
// bootstrap server under a name made of the creator's user id and a random
// key, which the backend's area of the control region records; a process
// that opens the mailbox looks that name up and gets a send right. The
// kernel keeps the messages:
//   - the port's queue limit is the capacity, and a send that finds it full
//     times out at once (MACH_SEND_TIMEOUT of 0): mailbox.cpp does the waiting;
//   - a message of up to inline_limit bytes is copied in the Mach message,
//     a larger one travels out of line, as copy-on-write virtual memory;
//   - the message's size is its msgh_id, so a receive into a short buffer
//     peeks at it (mach_port_peek) and leaves the message queued.
// What a Mach port cannot do is refused when the mailbox is made, with the
// reason (docs/mailbox.md): receiving in another process than the creator's
// (a receive right has one holder), a persistent mailbox (the right ends
// with its holder's process), a rendezvous (a sender that gives up could not
// take its message back), priorities above 0 (a port's queue is first in,
// first out), more than MACH_PORT_QLIMIT_MAX messages, and permissions wider
// than the owner's (the bootstrap namespace is the user's own).
// Nothing a message carries is trusted: a message of another shape, with a
// reply right or with a size that disagrees with its body, is destroyed
// (mach_msg_destroy frees whatever it carried) and reported as corrupted.
#include <fmt/format.h>
#include <mach/mach.h>
#include <servers/bootstrap.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "mailbox/mailbox_queue.hpp"
#include "sync/wait_word.hpp"

namespace xipc::detail {
namespace {

// Messages up to this size are copied inline; larger ones go out of line.
constexpr std::size_t inline_limit = 16 * 1024;

// The backend's area of the control region, written by the creator before
// the header is published and checked at every open.
struct alignas(mailbox_line_bytes) mach_port_area {
  std::uint64_t key;                   // the bootstrap name's random part; never 0
  std::uint32_t uid;                   // the creator's user id, also in the name
  std::uint32_t reserved;
  std::atomic<std::uint64_t> queued;   // messages queued, as last counted (size() outside the creator)
};

std::string service_name(std::uint32_t uid, std::uint64_t key) {
  return fmt::format("xipc.mailbox.{}.{:016x}", uid, key);
}

failure mach_failure(std::string call, kern_return_t result) {
  failure why;
  why.code = make_error_code(result == BOOTSTRAP_UNKNOWN_SERVICE ? errc::not_found
                             : result == KERN_RESOURCE_SHORTAGE ? errc::busy
                                                                : errc::invalid_argument);
  why.call = std::move(call);
  why.detail = fmt::format("{} (kern_return_t 0x{:x})", ::mach_error_string(result), static_cast<unsigned>(result));
  return why;
}

struct receive_right;

// The receive rights this process holds, by key: a handle that opens a
// mailbox its own process created receives through the creator's right.
std::mutex rights_lock;
std::map<std::uint64_t, std::weak_ptr<receive_right>>& rights() {
  static auto* held = new std::map<std::uint64_t, std::weak_ptr<receive_right>>;
  return *held;
}

std::shared_ptr<receive_right> held_right(std::uint64_t key) {
  const std::lock_guard hold(rights_lock);
  const auto found = rights().find(key);
  return found == rights().end() ? nullptr : found->second.lock();
}

struct inline_message {
  mach_msg_header_t header;
  std::byte data[inline_limit];
};

struct out_of_line_message {
  mach_msg_header_t header;
  mach_msg_body_t body;
  mach_msg_ool_descriptor_t data;
};

union received_message {
  mach_msg_header_t header;
  inline_message small;
  out_of_line_message large;
};

struct receive_buffer {
  received_message message;
  mach_msg_max_trailer_t trailer;  // room for the trailer the kernel appends
};

// The receive right, shared by every handle of the mailbox in the process
// that holds it. A receive holds `receiving`, so that a peek and the take
// after it see the same message, and so that one buffer serves them all.
struct receive_right {
  explicit receive_right(std::uint64_t name_key) : key(name_key) {}
  receive_right(const receive_right&) = delete;
  receive_right& operator=(const receive_right&) = delete;
  ~receive_right() {
    if (port != MACH_PORT_NULL) ::mach_port_mod_refs(::mach_task_self(), port, MACH_PORT_RIGHT_RECEIVE, -1);
    const std::lock_guard hold(rights_lock);
    const auto found = rights().find(key);
    if (found != rights().end() && found->second.expired()) rights().erase(found);
  }
  std::uint64_t key;
  mach_port_t port = MACH_PORT_NULL;
  std::timed_mutex receiving;
  std::unique_ptr<receive_buffer> buffer{new receive_buffer};
};

mach_msg_size_t inline_size(std::size_t bytes) {
  return static_cast<mach_msg_size_t>(sizeof(mach_msg_header_t) + (bytes + 3) / 4 * 4);
}

std::error_code send_result(kern_return_t result) noexcept {
  switch (result) {
    case MACH_MSG_SUCCESS: return {};
    case MACH_SEND_TIMED_OUT: return make_error_code(errc::would_block);
    case MACH_SEND_INVALID_DEST: return make_error_code(errc::peer_closed);  // the receive right is gone
    case MACH_SEND_NO_BUFFER:
    case MACH_SEND_INVALID_MEMORY: return make_error_code(errc::busy);
    default: return make_error_code(errc::invalid_argument);
  }
}

class mach_port_queue final : public mailbox_queue {
 public:
  mach_port_queue(mach_port_t send, std::shared_ptr<receive_right> receiver, mach_port_area& area,
                  std::uint64_t max_message)
      : send_(send), receiver_(std::move(receiver)), area_(area), max_message_(max_message) {}
  ~mach_port_queue() override { ::mach_port_deallocate(::mach_task_self(), send_); }
  mach_port_queue(const mach_port_queue&) = delete;
  mach_port_queue& operator=(const mach_port_queue&) = delete;

  std::error_code try_send(std::span<const std::byte> message, unsigned priority, deadline /*lock_until*/) noexcept
      override {
    if (priority != 0) return make_error_code(errc::invalid_argument);  // refused: a port's queue is FIFO
    kern_return_t result;
    if (message.size() <= inline_limit) {
      inline_message out;
      std::memset(&out.header, 0, sizeof out.header);
      out.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0);
      out.header.msgh_size = inline_size(message.size());
      out.header.msgh_remote_port = send_;
      out.header.msgh_id = static_cast<mach_msg_id_t>(message.size());
      // The padding to a whole word goes too: zeros, not this stack's old bytes.
      if (message.size() % 4 != 0) std::memset(out.data + message.size() / 4 * 4, 0, 4);
      if (!message.empty()) std::memcpy(out.data, message.data(), message.size());
      result = ::mach_msg(&out.header, MACH_SEND_MSG | MACH_SEND_TIMEOUT, out.header.msgh_size, 0, MACH_PORT_NULL,
                          0, MACH_PORT_NULL);
    } else {
      out_of_line_message out{};
      out.header.msgh_bits = MACH_MSGH_BITS(MACH_MSG_TYPE_COPY_SEND, 0) | MACH_MSGH_BITS_COMPLEX;
      out.header.msgh_size = sizeof out;
      out.header.msgh_remote_port = send_;
      out.header.msgh_id = static_cast<mach_msg_id_t>(message.size());
      out.body.msgh_descriptor_count = 1;
      out.data.address = const_cast<std::byte*>(message.data());
      out.data.size = static_cast<mach_msg_size_t>(message.size());
      out.data.deallocate = false;
      out.data.copy = MACH_MSG_VIRTUAL_COPY;
      out.data.type = MACH_MSG_OOL_DESCRIPTOR;
      result = ::mach_msg(&out.header, MACH_SEND_MSG | MACH_SEND_TIMEOUT, sizeof out, 0, MACH_PORT_NULL, 0,
                          MACH_PORT_NULL);
    }
    if (result == MACH_MSG_SUCCESS) area_.queued.fetch_add(1, std::memory_order_relaxed);
    return send_result(result);
  }

  mailbox_result try_receive(std::span<std::byte> buffer, deadline lock_until) noexcept override {
    mailbox_result outcome;
    if (!receiver_) {
      // Only the creating process holds the receive right (docs/mailbox.md).
      outcome.error = make_error_code(errc::not_supported);
      return outcome;
    }
    // Other threads of this process receive only as briefly: a peek and a take.
    std::unique_lock hold(receiver_->receiving, std::defer_lock);
    if (lock_until.is_forever()) {
      hold.lock();
    } else if (!hold.try_lock() && (lock_until.is_immediate() || !hold.try_lock_until(lock_until.time_point()))) {
      outcome.error = make_error_code(lock_until.is_immediate() ? errc::would_block : errc::timed_out);
      return outcome;
    }
    const mach_port_t port = receiver_->port;
    if (buffer.size() < max_message_) {
      // The size is the message's id: look before taking, so that a message
      // too large for the buffer stays queued.
      mach_port_seqno_t sequence = 0;
      mach_msg_size_t size = 0;
      mach_msg_id_t id = 0;
      mach_msg_max_trailer_t trailer{};
      mach_msg_type_number_t trailer_count = sizeof trailer;
      if (::mach_port_peek(::mach_task_self(), port, MACH_MSG_TRAILER_FORMAT_0, &sequence, &size,
                           &id, reinterpret_cast<mach_msg_trailer_info_t>(&trailer),
                           &trailer_count) != KERN_SUCCESS) {
        outcome.error = make_error_code(errc::would_block);
        return outcome;
      }
      if (id >= 0 && static_cast<std::uint64_t>(id) <= max_message_ && static_cast<std::size_t>(id) > buffer.size()) {
        outcome.error = make_error_code(errc::message_too_large);
        outcome.bytes = static_cast<std::size_t>(id);
        return outcome;
      }
    }
    // Big enough for any message of ours; a larger one is destroyed by the
    // kernel (no MACH_RCV_LARGE) and reported below as corrupted.
    receive_buffer* in = receiver_->buffer.get();
    in->message.header.msgh_size = sizeof(received_message);
    in->message.header.msgh_local_port = port;
    const kern_return_t result = ::mach_msg(&in->message.header, MACH_RCV_MSG | MACH_RCV_TIMEOUT, 0,
                                            sizeof(receive_buffer), port, 0, MACH_PORT_NULL);
    if (result == MACH_RCV_TIMED_OUT) {
      outcome.error = make_error_code(errc::would_block);
      return outcome;
    }
    if (result != MACH_MSG_SUCCESS) {
      outcome.error = make_error_code(result == MACH_RCV_TOO_LARGE ? errc::corrupted : errc::invalid_argument);
      return outcome;
    }
    outcome = take(in->message, buffer);
    // The count other processes' size() reads; never below 0, whatever a sender did.
    std::uint64_t queued = area_.queued.load(std::memory_order_relaxed);
    while (queued != 0 && !area_.queued.compare_exchange_weak(queued, queued - 1, std::memory_order_relaxed)) {
    }
    return outcome;
  }

  std::size_t size() const noexcept override {
    if (!receiver_) return static_cast<std::size_t>(area_.queued.load(std::memory_order_relaxed));
    mach_port_status_t status{};
    mach_msg_type_number_t count = MACH_PORT_RECEIVE_STATUS_COUNT;
    if (::mach_port_get_attributes(::mach_task_self(), receiver_->port, MACH_PORT_RECEIVE_STATUS,
                                   reinterpret_cast<mach_port_info_t>(&status), &count) != KERN_SUCCESS) {
      return 0;
    }
    return status.mps_msgcount;
  }

  bool cheap_to_poll() const noexcept override { return false; }

 private:
  // Checks a received message and copies its bytes out; a message of another shape is destroyed.
  mailbox_result take(received_message& message, std::span<std::byte> buffer) const noexcept {
    mailbox_result outcome;
    const mach_msg_header_t& header = message.header;
    const std::int64_t id = header.msgh_id;
    const bool complex = (header.msgh_bits & MACH_MSGH_BITS_COMPLEX) != 0;
    const bool ours = header.msgh_remote_port == MACH_PORT_NULL && header.msgh_voucher_port == MACH_PORT_NULL &&
                      id >= 0 && static_cast<std::uint64_t>(id) <= max_message_ &&
                      static_cast<std::size_t>(id) <= buffer.size() &&
                      (complex ? header.msgh_size == sizeof(out_of_line_message) &&
                                     message.large.body.msgh_descriptor_count == 1 &&
                                     message.large.data.type == MACH_MSG_OOL_DESCRIPTOR &&
                                     message.large.data.size == static_cast<mach_msg_size_t>(id) &&
                                     static_cast<std::size_t>(id) > inline_limit
                               : static_cast<std::size_t>(id) <= inline_limit && header.msgh_size == inline_size(
                                                                                         static_cast<std::size_t>(id)));
    if (!ours) {
      ::mach_msg_destroy(&message.header);
      outcome.error = make_error_code(errc::corrupted);
      return outcome;
    }
    outcome.bytes = static_cast<std::size_t>(id);
    if (!complex) {
      if (outcome.bytes != 0) std::memcpy(buffer.data(), message.small.data, outcome.bytes);
    } else {
      std::memcpy(buffer.data(), message.large.data.address, outcome.bytes);
      ::vm_deallocate(::mach_task_self(), reinterpret_cast<vm_address_t>(message.large.data.address),
                      message.large.data.size);
    }
    return outcome;
  }

  mach_port_t send_;
  std::shared_ptr<receive_right> receiver_;  // null outside the creating process
  mach_port_area& area_;
  std::uint64_t max_message_;
};

mach_port_area& area_of(const mailbox_setup& setup) {
  return *reinterpret_cast<mach_port_area*>(setup.queue_memory.data());
}

// What a Mach port cannot keep of the options, or true.
bool check_mach_options(const mailbox_options& options, failure& why) {
  if (options.lifetime != mailbox_lifetime::owned) {
    why = refuse(errc::invalid_argument,
                 "a mach_port mailbox must be mailbox_lifetime::owned: its queue is a port whose receive right ends "
                 "with the creating process");
  } else if (options.capacity == 0) {
    why = refuse(errc::invalid_argument,
                 "a mach_port mailbox cannot be a rendezvous (capacity 0): a sender that gives up could not take its "
                 "message back, as only the creator holds the receive right");
  } else if (options.capacity > MACH_PORT_QLIMIT_MAX) {
    why = refuse(errc::invalid_argument, fmt::format("capacity {} is above a Mach port's queue limit "
                                                     "(MACH_PORT_QLIMIT_MAX, {} messages)",
                                                     options.capacity, MACH_PORT_QLIMIT_MAX));
  } else if (options.max_message_bytes > static_cast<std::size_t>(INT32_MAX)) {
    why = refuse(errc::invalid_argument, fmt::format("max_message_bytes {} is above a Mach message id's range",
                                                     options.max_message_bytes));
  } else if ((options.perms.bits & 0077) != 0) {
    why = refuse(errc::invalid_argument,
                 fmt::format("permissions {:04o} reach other users, whose bootstrap namespaces cannot see a "
                             "mach_port mailbox's port: use permissions::owner_only()",
                             options.perms.bits));
  } else {
    return true;
  }
  return false;
}

}  // namespace

template <>
std::uint64_t mailbox_backend_of<mailbox_backend::mach_port>::queue_bytes(const mailbox_options& /*options*/) {
  return sizeof(mach_port_area);
}

template <>
std::unique_ptr<mailbox_queue> mailbox_backend_of<mailbox_backend::mach_port>::create(const mailbox_setup& setup,
                                                                                    failure& why) {
  if (!check_mach_options(setup.options, why)) return {};
  std::uint64_t key = 0;
  while (key == 0) key = new_random_key();
  const auto uid = static_cast<std::uint32_t>(::getuid());
  const std::string service = service_name(uid, key);
  auto right = std::make_shared<receive_right>(key);
  // A name no one has used: launchd makes the service and gives us its receive right.
  kern_return_t result = ::bootstrap_check_in(bootstrap_port, service.c_str(), &right->port);
  if (result != KERN_SUCCESS) {
    right->port = MACH_PORT_NULL;
    why = mach_failure(fmt::format("bootstrap_check_in(\"{}\")", service), result);
    if (result == BOOTSTRAP_SERVICE_ACTIVE) {
      why.code = make_error_code(errc::already_exists);
      why.detail += "; another process holds this random name";
    }
    return {};
  }
  mach_port_limits_t limits{};
  limits.mpl_qlimit = static_cast<mach_port_msgcount_t>(setup.options.capacity);
  result = ::mach_port_set_attributes(::mach_task_self(), right->port, MACH_PORT_LIMITS_INFO,
                                      reinterpret_cast<mach_port_info_t>(&limits), MACH_PORT_LIMITS_INFO_COUNT);
  if (result != KERN_SUCCESS) {
    why = mach_failure(fmt::format("mach_port_set_attributes(\"{}\", qlimit {})", service, setup.options.capacity),
                       result);
    return {};
  }
  result = ::mach_port_insert_right(::mach_task_self(), right->port, right->port, MACH_MSG_TYPE_MAKE_SEND);
  if (result != KERN_SUCCESS) {
    why = mach_failure(fmt::format("mach_port_insert_right(\"{}\")", service), result);
    return {};
  }
  auto& area = area_of(setup);
  area.key = key;
  area.uid = uid;
  area.reserved = 0;
  area.queued.store(0, std::memory_order_relaxed);
  {
    const std::lock_guard hold(rights_lock);
    rights()[key] = right;
  }
  const mach_port_t send = right->port;
  return std::make_unique<mach_port_queue>(send, std::move(right), area, setup.options.max_message_bytes);
}

template <>
std::unique_ptr<mailbox_queue> mailbox_backend_of<mailbox_backend::mach_port>::open(const mailbox_setup& setup,
                                                                                  failure& why) {
  if (setup.queue_memory.size() < sizeof(mach_port_area)) {
    why = refuse(errc::corrupted, "its control region has no room for the Mach port's area");
    return {};
  }
  auto& area = area_of(setup);
  const std::uint64_t key = area.key;
  const std::uint32_t uid = area.uid;
  if (key == 0) {
    why = refuse(errc::corrupted, "its Mach port's area holds no bootstrap name");
    return {};
  }
  if (uid != static_cast<std::uint32_t>(::getuid())) {
    why = refuse(errc::permission_denied,
                 fmt::format("its Mach port is in user {}'s bootstrap namespace, which this process (user {}) cannot "
                             "look up",
                             uid, ::getuid()));
    return {};
  }
  const std::string service = service_name(uid, key);
  mach_port_t send = MACH_PORT_NULL;
  const kern_return_t result = ::bootstrap_look_up(bootstrap_port, service.c_str(), &send);
  if (result != KERN_SUCCESS) {
    why = mach_failure(fmt::format("bootstrap_look_up(\"{}\")", service), result);
    if (result == BOOTSTRAP_UNKNOWN_SERVICE) why.detail += "; the process that created the mailbox has closed it or ended";
    return {};
  }
  return std::make_unique<mach_port_queue>(send, held_right(key), area, setup.options.max_message_bytes);
}

template <>
void mailbox_backend_of<mailbox_backend::mach_port>::remove(std::string_view /*name*/) {
  // The port goes with its receive right, and launchd drops the name then.
}

}  // namespace xipc::detail
