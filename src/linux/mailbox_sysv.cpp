// The sysv mailbox backend: one System V message queue. A message's type
// carries its priority (type = 32 - priority), and msgrcv with type -32 takes
// the lowest type first: the highest priority, FIFO within it.
// The kernel bounds a queue in bytes (msg_qbytes), not messages. xipc counts
// messages itself: senders take a lock in the control region, look at the
// kernel's count (msg_qnum) and send only below the capacity. msg_qbytes is
// raised to capacity x max_message_bytes where the system allows it.
#include <fmt/format.h>
#include <sys/ipc.h>
#include <sys/msg.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "mailbox/mailbox_queue.hpp"
#include "core/object_trust.hpp"
#include "posix/os_error.hpp"
#include "posix/system_limit.hpp"
#include "core/sysv_key.hpp"

namespace xipc::detail {
namespace {

constexpr long lowest_type = mailbox_priorities;  // priority 0

long type_of(unsigned priority) noexcept { return lowest_type - static_cast<long>(priority); }

constexpr const char* msgmax_path = "/proc/sys/kernel/msgmax";
constexpr const char* msgmnb_path = "/proc/sys/kernel/msgmnb";
constexpr const char* msgmni_path = "/proc/sys/kernel/msgmni";

// The backend's own area of the control region, after mailbox_control:
// written by the creator before the header is published; the key and id are
// checked against the name and the kernel at every open.
struct alignas(mailbox_line_bytes) sysv_queue_state {
  process_lock_word send_lock;
  std::int64_t key;  // the queue's key (sysv_mailbox_key of the name) and id
  std::int64_t id;
};

// msgsnd and msgrcv take the type and the text in one buffer. Each thread
// has its own, grown to the largest message it has moved: one mailbox object
// is shared by many threads, and a buffer per object would mix their messages.
class message_buffer {
 public:
  // Room for `max_message` bytes of text, or false when memory ran out.
  bool reserve(std::uint64_t max_message) noexcept {
    try {
      if (storage_.size() < sizeof(long) + max_message) storage_.resize(sizeof(long) + max_message);
      return true;
    } catch (...) {
      return false;
    }
  }
  void* raw() noexcept { return storage_.data(); }
  std::byte* text() noexcept { return storage_.data() + sizeof(long); }
  long type() const noexcept {
    long type = 0;
    std::memcpy(&type, storage_.data(), sizeof type);
    return type;
  }
  void set_type(long type) noexcept { std::memcpy(storage_.data(), &type, sizeof type); }

 private:
  std::vector<std::byte> storage_;
};

message_buffer& this_threads_buffer() noexcept {
  thread_local message_buffer buffer;
  return buffer;
}

class sysv_queue final : public mailbox_queue {
 public:
  sysv_queue(int id, sysv_queue_state& state, std::uint64_t capacity, std::uint64_t max_message)
      : id_(id), state_(state), capacity_(capacity), max_message_(max_message) {}

  std::error_code try_send(std::span<const std::byte> message, unsigned priority, deadline lock_until) noexcept
      override {
    message_buffer& buffer = this_threads_buffer();
    if (!buffer.reserve(message.size())) return std::make_error_code(std::errc::not_enough_memory);
    buffer.set_type(type_of(priority));
    if (!message.empty()) std::memcpy(buffer.text(), message.data(), message.size());
    // A sender that dies holding the lock has changed nothing the next one
    // relies on; one that is stopped holding it costs others their deadline, no more.
    if (lock(state_.send_lock, lock_until) == lock_result::timed_out) {
      return make_error_code(lock_until.is_immediate() ? errc::would_block : errc::timed_out);
    }
    std::error_code error;
    if (size() >= capacity_) {
      error = make_error_code(errc::would_block);
    } else if (retry_on_eintr([&] { return ::msgsnd(id_, buffer.raw(), message.size(), IPC_NOWAIT); }) != 0) {
      error = error_of(errno);
    }
    unlock(state_.send_lock);
    return error;
  }

  mailbox_result try_receive(std::span<std::byte> buffer, deadline /*lock_until*/) noexcept override {
    mailbox_result result;
    message_buffer& scratch = this_threads_buffer();
    const std::size_t room = std::min<std::size_t>(buffer.size(), max_message_);
    if (!scratch.reserve(std::max<std::size_t>(room, 1))) {
      result.error = std::make_error_code(std::errc::not_enough_memory);
      return result;
    }
    const ssize_t got = retry_on_eintr([&] { return ::msgrcv(id_, scratch.raw(), room, -lowest_type, IPC_NOWAIT); });
    if (got < 0) {
      const int error = errno;
      if (error == E2BIG) {
        // The message stays queued; look at it to say how large it is.
        result.error = make_error_code(errc::message_too_large);
        result.bytes = size_of_next();
        return result;
      }
      result.error = error == ENOMSG ? make_error_code(errc::would_block) : error_of(error);
      return result;
    }
    if (scratch.type() < 1 || scratch.type() > lowest_type) {
      result.error = make_error_code(errc::corrupted);
      return result;
    }
    result.bytes = static_cast<std::size_t>(got);
    result.priority = static_cast<unsigned>(lowest_type - scratch.type());
    if (got != 0) std::memcpy(buffer.data(), scratch.text(), result.bytes);
    return result;
  }

  std::size_t size() const noexcept override {
    msqid_ds status{};
    if (::msgctl(id_, IPC_STAT, &status) != 0) return 0;
    return static_cast<std::size_t>(status.msg_qnum);
  }

  bool cheap_to_poll() const noexcept override { return false; }

 private:
  // A removed queue (EIDRM, or EINVAL once its id is gone) ends the mailbox for everyone.
  static std::error_code error_of(int error) noexcept {
    if (error == EIDRM || error == EINVAL) return make_error_code(errc::peer_closed);
    return error_from_os(error);
  }

  // The size of the message msgrcv would take next, found by copying the
  // queued messages one by one (MSG_COPY); max_message when the kernel cannot.
  std::size_t size_of_next() noexcept {
#ifdef MSG_COPY
    message_buffer& scratch = this_threads_buffer();
    if (!scratch.reserve(max_message_)) return max_message_;
    long best_type = lowest_type + 1;
    std::size_t best_size = max_message_;
    for (long index = 0;; ++index) {
      const ssize_t got = ::msgrcv(id_, scratch.raw(), max_message_, index, IPC_NOWAIT | MSG_COPY | MSG_NOERROR);
      if (got < 0) break;
      if (scratch.type() < best_type) {
        best_type = scratch.type();
        best_size = static_cast<std::size_t>(got);
      }
    }
    return best_size;
#else
    return max_message_;
#endif
  }

  int id_;
  sysv_queue_state& state_;
  std::uint64_t capacity_;
  std::uint64_t max_message_;
};

key_t sysv_mailbox_key(std::string_view name) { return sysv_key("xipc.mbox.", name); }

std::uint64_t capacity_of(const mailbox_options& options) noexcept {
  return options.capacity == 0 ? 1 : options.capacity;  // a rendezvous holds one message
}

std::unique_ptr<mailbox_queue> make_queue(int id, const mailbox_setup& setup) {
  auto& state = *reinterpret_cast<sysv_queue_state*>(setup.queue_memory.data());
  return std::make_unique<sysv_queue>(id, state, capacity_of(setup.options), setup.options.max_message_bytes);
}

}  // namespace

template <>
std::unique_ptr<mailbox_queue> mailbox_backend_of<mailbox_backend::sysv>::create(const mailbox_setup& setup,
                                                                               failure& why) {
  if (setup.options.lifetime == mailbox_lifetime::owned) {
    why = refuse(errc::invalid_argument,
                 "an owned sysv mailbox cannot let receivers drain it after its owner closes: System V destroys a "
                 "queue and its messages at once (IPC_RMID), whoever still uses it; use the shm or posix_mq backend, "
                 "or a persistent sysv mailbox");
    return {};
  }
  auto* area = new (setup.queue_memory.data()) sysv_queue_state{};
  const long largest = read_system_limit(msgmax_path);
  if (largest >= 0 && setup.options.max_message_bytes > static_cast<std::uint64_t>(largest)) {
    why = refuse(errc::invalid_argument, fmt::format("max_message_bytes {} is above {} ({})",
                                                     setup.options.max_message_bytes, msgmax_path, largest));
    return {};
  }
  const key_t key = sysv_mailbox_key(setup.name);
  const int mode = static_cast<int>(setup.options.perms.bits);
  const int id = ::msgget(key, IPC_CREAT | IPC_EXCL | mode);
  if (id < 0) {
    why = os_failure(fmt::format("msgget(0x{:08x}, IPC_CREAT | IPC_EXCL)", key), errno);
    if (errno == ENOSPC) why.detail += fmt::format("; {} ({}) queues exist", msgmni_path, read_system_limit(msgmni_path));
    return {};
  }
  // Room for capacity messages of the largest size, where the system lets us
  // raise msg_qbytes that far; else the default (msgmnb) stays, which must
  // hold at least one message of the largest size.
  msqid_ds status{};
  const std::uint64_t bytes = capacity_of(setup.options) * setup.options.max_message_bytes;
  if (::msgctl(id, IPC_STAT, &status) != 0) {
    why = os_failure(fmt::format("msgctl(0x{:08x}, IPC_STAT)", key), errno);
    ::msgctl(id, IPC_RMID, nullptr);
    return {};
  }
  if (status.msg_qbytes < bytes) {
    const msglen_t default_bytes = status.msg_qbytes;
    status.msg_qbytes = static_cast<msglen_t>(bytes);
    if (::msgctl(id, IPC_SET, &status) != 0 && default_bytes < setup.options.max_message_bytes) {
      why = refuse(errc::invalid_argument,
                   fmt::format("max_message_bytes {} is above the queue's {} bytes ({}), and this process may "
                               "not raise it",
                               setup.options.max_message_bytes, default_bytes, msgmnb_path));
      ::msgctl(id, IPC_RMID, nullptr);
      return {};
    }
  }
  area->key = key;
  area->id = id;
  return make_queue(id, setup);
}

template <>
std::unique_ptr<mailbox_queue> mailbox_backend_of<mailbox_backend::sysv>::open(const mailbox_setup& setup,
                                                                             failure& why) {
  const auto& area = *reinterpret_cast<const sysv_queue_state*>(setup.queue_memory.data());
  const std::int64_t recorded_key = area.key;
  const std::int64_t recorded_id = area.id;
  const auto key = static_cast<key_t>(recorded_key);
  if (recorded_key != sysv_mailbox_key(setup.name)) {
    why = refuse(errc::corrupted, fmt::format("its area names SysV key 0x{:08x}, not the name's key 0x{:08x}", recorded_key,
                                              sysv_mailbox_key(setup.name)));
    return {};
  }
  const int id = ::msgget(key, 0);
  if (id < 0) {
    why = os_failure(fmt::format("msgget(0x{:08x})", key), errno);
    return {};
  }
  if (id != recorded_id) {
    why = refuse(errc::corrupted, fmt::format("SysV key 0x{:08x} names queue {}, not the mailbox's queue {}", key, id,
                                              recorded_id));
    return {};
  }
  // Both owners count: the creator of a queue may hand its uid to anyone (IPC_SET).
  msqid_ds status{};
  if (::msgctl(id, IPC_STAT, &status) != 0) {
    why = os_failure(fmt::format("msgctl(0x{:08x}, IPC_STAT)", key), errno);
    return {};
  }
  const found_owner found{static_cast<std::uint32_t>(status.msg_perm.uid),
                          static_cast<std::uint32_t>(status.msg_perm.mode), static_cast<std::uint32_t>(status.msg_perm.cuid)};
  if (!check_found_owner(fmt::format("System V queue 0x{:08x}", key), found, setup.options.perms, why)) return {};
  return make_queue(id, setup);
}

template <>
std::uint64_t mailbox_backend_of<mailbox_backend::sysv>::queue_bytes(const mailbox_options& /*options*/) {
  return sizeof(sysv_queue_state);
}

// By key, so that a mailbox whose header is damaged still goes entirely.
template <>
void mailbox_backend_of<mailbox_backend::sysv>::remove(std::string_view name) {
  const int id = ::msgget(sysv_mailbox_key(name), 0);
  if (id >= 0) ::msgctl(id, IPC_RMID, nullptr);
}

}  // namespace xipc::detail
