// What each mailbox backend implements: a queue that never waits for room or
// messages (only, up to the caller's deadline, for its own lock). The
// portable mailbox code (mailbox.cpp) does the waiting, the priorities'
// range, the owner and the receiver claim, the same way for every backend.
#pragma once

#include <xipc/mailbox.hpp>

#include <cstddef>
#include <memory>
#include <span>
#include <string_view>
#include <system_error>

#include "mailbox/mailbox_layout.hpp"
#include "core/setup_error.hpp"

namespace xipc::detail {

// Every implementation may be called from many threads at once.
class mailbox_queue {
 public:
  virtual ~mailbox_queue() = default;

  // Queues the message (size and priority already checked), or
  // errc::would_block when full. A lock the backend takes is waited for
  // until `lock_until` at most (errc::timed_out then, errc::would_block when
  // it is immediate): a stopped holder never holds up a caller's deadline.
  virtual std::error_code try_send(std::span<const std::byte> message, unsigned priority,
                                   deadline lock_until) noexcept = 0;

  // Takes the oldest message of the highest priority: errc::would_block when
  // empty; errc::message_too_large with the size needed when `buffer` is too
  // small (the message is not lost). Locks as try_send does.
  virtual mailbox_result try_receive(std::span<std::byte> buffer, deadline lock_until) noexcept = 0;

  // Messages queued now.
  virtual std::size_t size() const noexcept = 0;

  // Whether a failed try costs no system call, so that polling it briefly
  // before sleeping is worth it.
  virtual bool cheap_to_poll() const noexcept = 0;
};

// What a backend's create and open get.
struct mailbox_setup {
  std::string_view name;              // the portable name
  const mailbox_options& options;
  std::span<std::byte> queue_memory;  // after mailbox_control in the region: queue_bytes(options) long
};

// One mailbox backend: the same four members for each, defined in the
// backend's own file (mailbox/mailbox_shm.cpp; linux/mailbox_posix_mq.cpp
// and linux/mailbox_sysv.cpp where the OS has those queues;
// mach/mailbox_mach_port.cpp on macOS). Its open queues
// are mailbox_queue objects.
template <mailbox_backend Kind>
struct mailbox_backend_of {
  // Bytes the backend keeps after mailbox_control in the control region:
  // its own area (the shm queue itself; a kernel queue's lock and its key).
  static std::uint64_t queue_bytes(const mailbox_options& options);
  // Creates the backend's queue for a new mailbox, before its header is published.
  static std::unique_ptr<mailbox_queue> create(const mailbox_setup& setup, failure& why);
  // Opens the queue of an existing mailbox whose header passed its checks;
  // anything the backend reads from its area it checks itself.
  static std::unique_ptr<mailbox_queue> open(const mailbox_setup& setup, failure& why);
  // Removes the backend's own object of a mailbox named `name` (a kernel
  // queue), if there is one.
  static void remove(std::string_view name);
};

// Dispatch to the backend a mailbox has (mailbox/mailbox_backends.cpp).
// Whether this build has `backend` (XIPC_HAS_POSIX_MQ, XIPC_HAS_SYSV_MQ, XIPC_HAS_MACH_PORTS).
bool mailbox_backend_built(mailbox_backend backend) noexcept;
// REQUIRES for the rest: mailbox_backend_built(options.backend).
std::uint64_t mailbox_queue_bytes(const mailbox_options& options);
std::unique_ptr<mailbox_queue> create_mailbox_queue(const mailbox_setup& setup, failure& why);
std::unique_ptr<mailbox_queue> open_mailbox_queue(const mailbox_setup& setup, failure& why);
// Removes every built backend's own object of a mailbox named `name`.
void remove_mailbox_queues(std::string_view name);

}  // namespace xipc::detail
