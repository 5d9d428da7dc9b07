// Mailboxes: named message queues. Processes send to and receive from a
// mailbox, not to each other (indirect communication). Messages carry a
// priority; higher priorities are received first, FIFO within a priority.
//
//   auto box = xipc::mailbox::create("jobs", {.capacity = 64, .max_message_bytes = 1024});
//   auto out = xipc::mailbox::open("jobs");                      // in another process
//   std::error_code sent = out.send(bytes, /*priority=*/5, 100ms);
//   auto got = box.receive(buffer, xipc::deadline::forever());  // got.bytes, got.priority
//   xipc::mailbox::remove("jobs");                              // when done (persistent lifetime)
//
// Three backends behind one API: a shared-memory queue (every OS), POSIX
// message queues and System V message queues. See docs/mailbox.md.
//
// Thread safety: one mailbox object may be used by many threads at once,
// every backend (as Boost's message_queue); moving or assigning it must not
// race with other use.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <system_error>

#include <xipc/concepts.hpp>
#include <xipc/deadline.hpp>
#include <xipc/error.hpp>
#include <xipc/permissions.hpp>
#include <xipc/readiness.hpp>
#include <xipc/wait_policy.hpp>

namespace xipc {
namespace detail {
struct failure;
struct mailbox_state;
}  // namespace detail

enum class mailbox_backend : std::uint32_t {
  shm = 1,       // a queue in shared memory, woken like the ring: every OS, the fastest on Linux
  posix_mq = 2,  // mq_open / mq_timedsend / mq_timedreceive (Linux and other POSIX systems)
  sysv = 3,      // msgget / msgsnd / msgrcv, the priority carried in the message type
  mach_port = 4, // macOS: a Mach port whose receive right the creating process holds; owned, FIFO, only the creator receives
};

// The backend this build uses when the options do not name one.
inline constexpr mailbox_backend default_mailbox_backend = mailbox_backend::shm;

// Whether this build of xipc has the backend (the shared-memory one always).
bool mailbox_backend_available(mailbox_backend backend) noexcept;

std::string_view to_string(mailbox_backend backend) noexcept;

enum class mailbox_lifetime : std::uint32_t {
  persistent = 1,  // exists until mailbox::remove, like a file
  owned = 2,       // removed when the creating object closes or its process ends; senders then get errc::peer_closed
};

enum class mailbox_receivers : std::uint32_t {
  shared = 1,     // any number of receiving processes; each message goes to exactly one
  exclusive = 2,  // one receiving process at a time (a receive right); another one's receive is errc::busy
};

struct mailbox_options {
  // Messages the mailbox holds before send waits. 0 is a rendezvous: send
  // returns only once a receiver has taken the message. The sysv backend
  // counts bytes, not messages: capacity x max_message_bytes (docs/mailbox.md).
  std::size_t capacity = 10;
  // The largest message; a larger send is errc::message_too_large.
  std::size_t max_message_bytes = 8192;
  mailbox_lifetime lifetime = mailbox_lifetime::persistent;
  mailbox_receivers receivers = mailbox_receivers::shared;
  mailbox_backend backend = default_mailbox_backend;
  permissions perms = permissions::owner_only();

  friend bool operator==(const mailbox_options&, const mailbox_options&) = default;
};

// What receive returns: the message's size (or, with errc::message_too_large,
// the size needed) and its priority.
struct mailbox_result : io_result {
  unsigned priority = 0;
};

class mailbox {
 public:
  // Priorities run from 0 (the default, lowest) to max_priority: the range
  // every backend keeps on every OS (POSIX guarantees 32 mq priorities).
  static constexpr unsigned max_priority = 31;

  mailbox() noexcept;
  mailbox(mailbox&&) noexcept;
  mailbox& operator=(mailbox&&) noexcept;
  // Closes this handle. An owned mailbox's creator removes it here; an
  // exclusive receiver gives up its claim.
  ~mailbox();

  // Creates the mailbox: errc::already_exists if the name is taken (by a
  // mailbox of any backend), errc::invalid_argument for options a backend or
  // a system limit refuses (the message names the limit and its value).
  static mailbox create(std::string_view name, const mailbox_options& options = {});
  static mailbox create(std::string_view name, const mailbox_options& options, std::error_code& ec);

  // Opens an existing mailbox with the options it was created with:
  // errc::not_found when absent (or owned by a process that has ended),
  // errc::corrupted when its shared header fails a check, and
  // errc::permission_denied when its objects are not trusted under `perms`
  // (another owner than the caller or permissions::trusting's uid, or a mode
  // wider than perms.bits; the message names the owner and mode found).
  static mailbox open(std::string_view name, const permissions& perms = permissions::owner_only());
  static mailbox open(std::string_view name, std::error_code& ec,
                      const permissions& perms = permissions::owner_only());

  // Opens the mailbox if it exists with exactly these options, permissions
  // included, else creates it. Different options or another backend are
  // errc::invalid_argument, and the message names both; an untrusted one is
  // errc::permission_denied, as for open.
  static mailbox open_or_create(std::string_view name, const mailbox_options& options = {});
  static mailbox open_or_create(std::string_view name, const mailbox_options& options, std::error_code& ec);

  // Removes the name (and the backend's kernel queue); handles still open
  // keep working on POSIX. False when no such mailbox existed.
  static bool remove(std::string_view name);
  static bool remove(std::string_view name, std::error_code& ec);

  // Sends a whole message at `priority` (0..max_priority), waiting for room
  // until `until`. errc::message_too_large or errc::invalid_argument (a bad
  // priority) send nothing; errc::peer_closed once an owned mailbox's owner is gone.
  [[nodiscard]] std::error_code send(std::span<const std::byte> message, unsigned priority, deadline until) noexcept;
  [[nodiscard]] std::error_code send(std::span<const std::byte> message, deadline until) noexcept {
    return send(message, 0, until);
  }
  [[nodiscard]] std::error_code try_send(std::span<const std::byte> message, unsigned priority = 0) noexcept {
    return send(message, priority, deadline::immediately());
  }

  // Receives the oldest message of the highest priority, waiting until
  // `until`. A buffer too small gives errc::message_too_large with the size
  // needed; the message stays (docs/mailbox.md: per backend).
  [[nodiscard]] mailbox_result receive(std::span<std::byte> buffer, deadline until) noexcept;
  [[nodiscard]] mailbox_result try_receive(std::span<std::byte> buffer) noexcept {
    return receive(buffer, deadline::immediately());
  }

  // Messages waiting now (a snapshot; other processes move it).
  [[nodiscard]] std::size_t size() const noexcept;

  // How this handle's send and receive wait for room or a message: adaptive
  // by default (polls for spin_budget, then sleeps), spin (never sleeps;
  // every deadline and an owner's death are still noticed), or block
  // (sleeps at once). Each handle's own choice, not the mailbox's: other
  // handles, in this process or another, keep theirs. Safe to call while
  // other threads use the handle; a wait under way keeps the policy it began with.
  void set_wait_policy(const wait_policy& policy) noexcept;
  [[nodiscard]] wait_policy get_wait_policy() const noexcept;

  // ---- Readiness, for event loops and wait_set (docs/event_loops.md) ----
  // Each direction has its own handle; the calls of one direction are made
  // from one thread at a time. A rendezvous mailbox (capacity 0) is ready
  // to send while no message is queued.
  // Whether a receive (or a send) would not wait now: a message is waiting
  // (there is room), or an owned mailbox's owner closed it.
  [[nodiscard]] bool ready(ready_for what) noexcept;
  // The handle an event loop waits on: made on the first call, the same
  // one after. Errors: what the OS says, or errc::busy when every one of
  // the mailbox's readiness slots (3 per direction) is held by a live process.
  native_handle_type readiness_handle(ready_for what);
  native_handle_type readiness_handle(ready_for what, std::error_code& ec);
  // Announces a wait on the handle. False when no wait is needed (ready(),
  // an owned mailbox's owner ended, or no handle could be made): try now.
  [[nodiscard]] bool arm(ready_for what) noexcept;
  // Withdraws the announcement and clears the handle; handle_fired = false
  // skips the clearing call unless someone rang meanwhile.
  void disarm(ready_for what, bool handle_fired = true) noexcept;

  bool is_open() const noexcept { return state_ != nullptr; }
  const std::string& name() const noexcept;
  // The options it was created with, whoever created it.
  const mailbox_options& options() const noexcept;

 private:
  explicit mailbox(std::unique_ptr<detail::mailbox_state> state) noexcept;
  static mailbox create(std::string_view name, const mailbox_options& options, detail::failure& why);
  static mailbox open(std::string_view name, const permissions& perms, detail::failure& why);
  static mailbox open_or_create(std::string_view name, const mailbox_options& options, detail::failure& why);
  static bool remove(std::string_view name, detail::failure& why);

  std::unique_ptr<detail::mailbox_state> state_;
};

static_assert(message_channel<mailbox>);

}  // namespace xipc
