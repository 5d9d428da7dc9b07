// The posix_mq mailbox backend: one POSIX message queue, opened non-blocking
// (mailbox.cpp does the waiting). The kernel refuses to dequeue into a buffer
// smaller than the queue's message size (EMSGSIZE) and leaves the message
// queued: so a receive with a smaller buffer is errc::message_too_large with
// that size, and nothing is ever held outside the queue where a close or a
// crash could lose it (docs/mailbox.md). No state is shared between calls, so
// one object serves many threads.
#include <fcntl.h>
#include <fmt/format.h>
#include <mqueue.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <string>

#include <xipc/name.hpp>

#include "mailbox/mailbox_queue.hpp"
#include "posix/object_owner.hpp"
#include "posix/os_error.hpp"
#include "posix/system_limit.hpp"

namespace xipc::detail {
namespace {

class posix_mq_queue final : public mailbox_queue {
 public:
  posix_mq_queue(mqd_t queue, std::uint64_t max_message) : queue_(queue), max_message_(max_message) {}
  ~posix_mq_queue() override { ::mq_close(queue_); }
  posix_mq_queue(const posix_mq_queue&) = delete;
  posix_mq_queue& operator=(const posix_mq_queue&) = delete;

  std::error_code try_send(std::span<const std::byte> message, unsigned priority, deadline /*lock_until*/) noexcept
      override {
    // An empty span may have no storage; mq_send wants a pointer all the same.
    const char* data = message.empty() ? "" : reinterpret_cast<const char*>(message.data());
    if (::mq_send(queue_, data, message.size(), priority) == 0) return {};
    return error_from_os(errno);
  }

  mailbox_result try_receive(std::span<std::byte> buffer, deadline /*lock_until*/) noexcept override {
    mailbox_result result;
    if (buffer.size() < max_message_) {
      // mq_receive would say EMSGSIZE without dequeuing: say it without the call.
      result.error = make_error_code(errc::message_too_large);
      result.bytes = max_message_;
      return result;
    }
    unsigned priority = 0;
    const ssize_t got = ::mq_receive(queue_, reinterpret_cast<char*>(buffer.data()), buffer.size(), &priority);
    if (got < 0) {
      result.error = error_from_os(errno);
      return result;
    }
    result.bytes = static_cast<std::size_t>(got);
    result.priority = priority;
    return result;
  }

  std::size_t size() const noexcept override {
    mq_attr attributes{};
    if (::mq_getattr(queue_, &attributes) != 0) return 0;
    return static_cast<std::size_t>(attributes.mq_curmsgs);
  }

  bool cheap_to_poll() const noexcept override { return false; }

 private:
  mqd_t queue_;
  std::uint64_t max_message_;
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

}  // namespace

template <>
std::unique_ptr<mailbox_queue> mailbox_backend_of<mailbox_backend::posix_mq>::create(const mailbox_setup& setup,
                                                                                   failure& why) {
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

template <>
std::unique_ptr<mailbox_queue> mailbox_backend_of<mailbox_backend::posix_mq>::open(const mailbox_setup& setup,
                                                                                 failure& why) {
  const std::string path = os_name(name_kind::mailbox, setup.name);
  const mqd_t queue = ::mq_open(path.c_str(), O_RDWR | O_NONBLOCK);
  if (queue == static_cast<mqd_t>(-1)) {
    why = os_failure(fmt::format("mq_open(\"{}\")", path), errno);
    return {};
  }
  // On Linux a queue descriptor is a file descriptor: its owner and mode are fstat's.
  if (!check_descriptor_owner(queue, path, setup.options.perms, why)) {
    ::mq_close(queue);
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

template <>
std::uint64_t mailbox_backend_of<mailbox_backend::posix_mq>::queue_bytes(const mailbox_options& /*options*/) {
  return 0;
}

template <>
void mailbox_backend_of<mailbox_backend::posix_mq>::remove(std::string_view name) {
  ::mq_unlink(os_name(name_kind::mailbox, name).c_str());
}

}  // namespace xipc::detail
