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

// What a backend's setup functions get.
struct mailbox_setup {
  std::string_view name;           // the portable name
  const mailbox_options& options;
  mailbox_header& header;          // the backend may record what openers need (sysv_key, sysv_id)
  std::span<std::byte> queue_memory;  // after mailbox_control in the region: queue_bytes(options) long
};

// One backend's setup functions.
struct mailbox_backend_ops {
  // Bytes the backend needs after mailbox_control in the control region.
  std::uint64_t (*queue_bytes)(const mailbox_options& options);
  // Creates the backend's queue for a new mailbox (header fields other than
  // the backend's own are written).
  std::unique_ptr<mailbox_queue> (*create)(const mailbox_setup& setup, failure& why);
  // Opens the queue of an existing mailbox whose header passed its checks.
  std::unique_ptr<mailbox_queue> (*open)(const mailbox_setup& setup, failure& why);
  // Removes the backend's own object of a mailbox named `name` (a kernel
  // queue), if there is one; nothing for shm.
  void (*remove)(std::string_view name);
};

// The backend's functions, or nullptr when this build has no such backend.
// Each OS's backend folder lists its backends.
const mailbox_backend_ops* find_mailbox_backend(mailbox_backend backend) noexcept;

// The shared-memory backend, portable.
extern const mailbox_backend_ops shm_mailbox_backend;
// The kernel-queue backends of POSIX systems (src/posix).
extern const mailbox_backend_ops posix_mq_mailbox_backend;
extern const mailbox_backend_ops sysv_mailbox_backend;

}  // namespace xipc::detail
