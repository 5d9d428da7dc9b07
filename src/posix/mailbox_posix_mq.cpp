// The posix_mq mailbox backend: one POSIX message queue, opened non-blocking
// (mailbox.cpp does the waiting). mq_receive needs a buffer of the queue's
// full message size; a smaller one gets the message into a buffer of ours,
// and a message too large for the caller is held here and returned first by
// the next receive (docs/mailbox.md).
#include <fcntl.h>
#include <fmt/format.h>
#include <mqueue.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include <xipc/name.hpp>

#include "mailbox_queue.hpp"
#include "posix/os_error.hpp"
#include "posix/system_limit.hpp"

namespace xipc::detail {
namespace {

class posix_mq_queue final : public mailbox_queue {
 public:
  posix_mq_queue(mqd_t queue, std::uint64_t max_message) : queue_(queue), scratch_(max_message) {}
  ~posix_mq_queue() override {
    // A held message goes back, at its priority, if there is room.
    if (held_) ::mq_send(queue_, reinterpret_cast<const char*>(scratch_.data()), held_size_, held_priority_);
    ::mq_close(queue_);
  }
  posix_mq_queue(const posix_mq_queue&) = delete;
  posix_mq_queue& operator=(const posix_mq_queue&) = delete;

  std::error_code try_send(std::span<const std::byte> message, unsigned priority) noexcept override {
    // An empty span may have no storage; mq_send wants a pointer all the same.
    const char* data = message.empty() ? "" : reinterpret_cast<const char*>(message.data());
    if (::mq_send(queue_, data, message.size(), priority) == 0) return {};
    return error_from_errno(errno);
  }

  mailbox_result try_receive(std::span<std::byte> buffer) noexcept override {
    mailbox_result result;
    if (!held_) {
      // Straight into the caller's buffer when mq_receive accepts it.
      const bool direct = buffer.size() >= scratch_.size();
      char* into = reinterpret_cast<char*>(direct ? buffer.data() : scratch_.data());
      unsigned priority = 0;
      const ssize_t got = ::mq_receive(queue_, into, direct ? buffer.size() : scratch_.size(), &priority);
      if (got < 0) {
        result.error = error_from_errno(errno);
        return result;
      }
      result.bytes = static_cast<std::size_t>(got);
      result.priority = priority;
      if (direct) return result;
      held_ = true;
      held_size_ = result.bytes;
      held_priority_ = priority;
    }
    result.bytes = held_size_;
    result.priority = held_priority_;
    if (held_size_ > buffer.size()) {
      result.error = make_error_code(errc::message_too_large);
      return result;
    }
    if (held_size_ != 0) std::memcpy(buffer.data(), scratch_.data(), held_size_);
    held_ = false;
    return result;
  }

  std::size_t size() const noexcept override {
    mq_attr attributes{};
    if (::mq_getattr(queue_, &attributes) != 0) return held_ ? 1 : 0;
    return static_cast<std::size_t>(attributes.mq_curmsgs) + (held_ ? 1 : 0);
  }

  bool cheap_to_poll() const noexcept override { return false; }

 private:
  mqd_t queue_;
  std::vector<std::byte> scratch_;
  bool held_ = false;
  std::size_t held_size_ = 0;
  unsigned held_priority_ = 0;
};

mq_attr attributes_for(const mailbox_options& options) {
  mq_attr attributes{};
  attributes.mq_maxmsg = static_cast<long>(options.capacity == 0 ? 1 : options.capacity);
  attributes.mq_msgsize = static_cast<long>(options.max_message_bytes == 0 ? 1 : options.max_message_bytes);
  return attributes;
}

// Says which system limit refused the queue, with its value.
failure explain_create_failure(const std::string& path, const mq_attr& wanted, int error) {
  failure why = os_failure(fmt::format("mq_open(\"{}\", O_CREAT)", path), error);
  constexpr const char* msg_max = "/proc/sys/fs/mqueue/msg_max";
  constexpr const char* msgsize_max = "/proc/sys/fs/mqueue/msgsize_max";
  constexpr const char* queues_max = "/proc/sys/fs/mqueue/queues_max";
  if (error == EINVAL || error == EPERM) {
    const long max_messages = read_system_limit(msg_max);
    const long max_size = read_system_limit(msgsize_max);
    if (max_messages >= 0 && wanted.mq_maxmsg > max_messages) {
      why.detail += fmt::format("; capacity {} is above {} ({})", wanted.mq_maxmsg, msg_max, max_messages);
      why.code = make_error_code(errc::invalid_argument);
    }
    if (max_size >= 0 && wanted.mq_msgsize > max_size) {
      why.detail += fmt::format("; max_message_bytes {} is above {} ({})", wanted.mq_msgsize, msgsize_max, max_size);
      why.code = make_error_code(errc::invalid_argument);
    }
  } else if (error == ENOSPC) {
    why.detail += fmt::format("; the system's queues are all in use: {} ({})", queues_max,
                              read_system_limit(queues_max));
  } else if (error == EMFILE) {
    rlimit limit{};
    ::getrlimit(RLIMIT_MSGQUEUE, &limit);
    why.detail += fmt::format("; this user's RLIMIT_MSGQUEUE ({} bytes) cannot hold {} more messages of {} bytes",
                              static_cast<unsigned long long>(limit.rlim_cur), wanted.mq_maxmsg, wanted.mq_msgsize);
  }
  return why;
}

std::unique_ptr<mailbox_queue> create(const mailbox_setup& setup, failure& why) {
  const std::string path = os_name(name_kind::mailbox, setup.name);
  mq_attr wanted = attributes_for(setup.options);
  const mode_t mode = static_cast<mode_t>(setup.options.perms.bits);
  const mqd_t queue = ::mq_open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NONBLOCK, mode, &wanted);
  if (queue == static_cast<mqd_t>(-1)) {
    why = explain_create_failure(path, wanted, errno);
    return {};
  }
  // mq_open applied the umask; on Linux the queue is a file descriptor.
  ::fchmod(queue, mode);
  return std::make_unique<posix_mq_queue>(queue, setup.options.max_message_bytes);
}

std::unique_ptr<mailbox_queue> open(const mailbox_setup& setup, failure& why) {
  const std::string path = os_name(name_kind::mailbox, setup.name);
  const mqd_t queue = ::mq_open(path.c_str(), O_RDWR | O_NONBLOCK);
  if (queue == static_cast<mqd_t>(-1)) {
    why = os_failure(fmt::format("mq_open(\"{}\")", path), errno);
    return {};
  }
  mq_attr actual{};
  const mq_attr wanted = attributes_for(setup.options);
  if (::mq_getattr(queue, &actual) != 0 || actual.mq_maxmsg != wanted.mq_maxmsg ||
      actual.mq_msgsize != wanted.mq_msgsize) {
    why = refuse(errc::corrupted,
                 fmt::format("the queue {} holds {} messages of {} bytes where the mailbox's header says {} of {}",
                             path, actual.mq_maxmsg, actual.mq_msgsize, wanted.mq_maxmsg, wanted.mq_msgsize));
    ::mq_close(queue);
    return {};
  }
  return std::make_unique<posix_mq_queue>(queue, setup.options.max_message_bytes);
}

std::uint64_t queue_bytes(const mailbox_options& /*options*/) { return 0; }

void remove(std::string_view name) {
  ::mq_unlink(os_name(name_kind::mailbox, name).c_str());
}

}  // namespace

const mailbox_backend_ops posix_mq_mailbox_backend{queue_bytes, create, open, remove};

}  // namespace xipc::detail
