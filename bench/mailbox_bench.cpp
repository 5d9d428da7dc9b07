// Mailboxes between two processes: xipc's three backends next to the same
// kernel queues driven by raw system calls, and Boost.Interprocess's
// message_queue, all with room for 10 messages (the default POSIX mq limit
// for unprivileged processes). The shm mailbox and Boost's queue also stream
// one way through 256-deep queues (<name>_deep256/throughput), where a
// sender seldom finds the queue full and waits less. Each connection is two queues: down to the
// partner and up from it. A message at the top priority tells the partner to stop.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>
#include <xipc/detail/config.hpp>
#if XIPC_HAS_POSIX_MQ
#include <mqueue.h>
#endif
#if XIPC_HAS_SYSV_MQ
#include <sys/ipc.h>
#include <sys/msg.h>
#endif

#include <boost/interprocess/ipc/message_queue.hpp>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <vector>
#include <xipc/mailbox.hpp>

#include "message_pair.hpp"
#include "process_pair.hpp"

namespace {

using xipc::bench::connection;
using xipc::bench::side;

constexpr std::size_t capacity = 10;
constexpr unsigned data_priority = 1;
constexpr unsigned stop_priority = xipc::mailbox::max_priority;

// A kernel limit from /proc, for the reason a size is skipped; -1 when unreadable.
[[maybe_unused]] long proc_limit(const char* path) {
  long value = -1;
  std::ifstream(path) >> value;
  return value;
}

std::string queue_name(const char* direction, const char* prefix = "") {
  std::string name = prefix;
  name += "xb";
  name += std::to_string(::getpid());
  name += '.';
  name += direction;
  return name;
}

// ---- xipc --------------------------------------------------------------------------

side mailbox_side(xipc::mailbox& in, xipc::mailbox& out) {
  // The POSIX and System V backends refuse a receive into a buffer smaller
  // than the queue's message size (message_too_large, the message kept): a
  // short one (the one-byte acknowledgement) is received through a full-sized one.
  auto scratch = std::make_shared<std::vector<std::byte>>(in.options().max_message_bytes);
  return {[&out](std::span<const std::byte> m) { return !out.send(m, data_priority, xipc::deadline::forever()); },
          [&in, scratch](std::span<std::byte> buffer) {
            const bool short_buffer = buffer.size() < scratch->size();
            const auto got = in.receive(short_buffer ? std::span<std::byte>(*scratch) : buffer, xipc::deadline::forever());
            if (short_buffer && !got.error) std::memcpy(buffer.data(), scratch->data(), std::min(buffer.size(), got.bytes));
            return !got.error && got.priority != stop_priority;
          },
          [&out] { static_cast<void>(out.send({}, stop_priority, xipc::deadline::forever())); }};
}

connection mailboxes(xipc::mailbox_backend backend, std::size_t size, std::size_t depth = capacity,
                     xipc::wait_policy policy = {}) {
  struct objects {
    xipc::mailbox down, up;
    ~objects() {
      std::error_code ignored;
      xipc::mailbox::remove(down.name(), ignored);
      xipc::mailbox::remove(up.name(), ignored);
    }
  };
  auto keep = std::make_shared<objects>();
  const xipc::mailbox_options options{.capacity = depth, .max_message_bytes = size, .backend = backend};
  keep->down = xipc::mailbox::create(queue_name("down"), options);
  keep->up = xipc::mailbox::create(queue_name("up"), options);
  keep->down.set_wait_policy(policy);
  keep->up.set_wait_policy(policy);
  return {mailbox_side(keep->up, keep->down), mailbox_side(keep->down, keep->up), keep, {}, {}};
}

#if XIPC_HAS_POSIX_MQ
// ---- raw POSIX mq ------------------------------------------------------------------

side raw_mq_side(mqd_t in, mqd_t out, std::size_t size) {
  return {[out](std::span<const std::byte> m) {
            return ::mq_send(out, reinterpret_cast<const char*>(m.data()), m.size(), data_priority) == 0;
          },
          [in, size](std::span<std::byte> buffer) {
            unsigned priority = 0;
            return ::mq_receive(in, reinterpret_cast<char*>(buffer.data()), std::max(buffer.size(), size), &priority) >=
                       0 &&
                   priority != stop_priority;
          },
          [out] { ::mq_send(out, "", 0, stop_priority); }};
}

connection raw_posix_mq(std::size_t size) {
  struct objects {
    std::string down_name = queue_name("down", "/"), up_name = queue_name("up", "/");
    mqd_t down = -1, up = -1;
    ~objects() {
      ::mq_close(down);
      ::mq_close(up);
      ::mq_unlink(down_name.c_str());
      ::mq_unlink(up_name.c_str());
    }
  };
  auto keep = std::make_shared<objects>();
  mq_attr attributes{};
  attributes.mq_maxmsg = capacity;
  attributes.mq_msgsize = static_cast<long>(std::max<std::size_t>(size, 1));
  keep->down = ::mq_open(keep->down_name.c_str(), O_RDWR | O_CREAT | O_EXCL, 0600, &attributes);
  keep->up = ::mq_open(keep->up_name.c_str(), O_RDWR | O_CREAT | O_EXCL, 0600, &attributes);
  if (keep->down == -1 || keep->up == -1) {
    throw xipc::bench::unsupported("mq_open with mq_msgsize " + std::to_string(size) + ": " + std::strerror(errno) +
                                   " (fs.mqueue.msgsize_max is " +
                                   std::to_string(proc_limit("/proc/sys/fs/mqueue/msgsize_max")) + ")");
  }
  // A receive buffer must hold the queue's message size: the one-byte ack is received into the full size.
  return {raw_mq_side(keep->up, keep->down, size), raw_mq_side(keep->down, keep->up, size), keep, {}, {}};
}

#endif
#if XIPC_HAS_SYSV_MQ
// ---- raw System V ------------------------------------------------------------------

side raw_sysv_side(int in, int out, std::size_t size) {
  // One buffer per side: the type, then the text.
  auto buffer = std::make_shared<std::vector<std::byte>>(sizeof(long) + size);
  auto set_type = [buffer](long type) { std::memcpy(buffer->data(), &type, sizeof type); };
  return {[out, buffer, set_type](std::span<const std::byte> m) {
            set_type(2);
            if (!m.empty()) std::memcpy(buffer->data() + sizeof(long), m.data(), m.size());
            return ::msgsnd(out, buffer->data(), m.size(), 0) == 0;
          },
          [in, buffer](std::span<std::byte> into) {
            const ssize_t got = ::msgrcv(in, buffer->data(), into.size(), 0, 0);
            long type = 0;
            std::memcpy(&type, buffer->data(), sizeof type);
            if (got > 0) std::memcpy(into.data(), buffer->data() + sizeof(long), static_cast<std::size_t>(got));
            return got >= 0 && type == 2;
          },
          [out, set_type, buffer] {
            set_type(1);
            ::msgsnd(out, buffer->data(), 0, 0);
          }};
}

connection raw_sysv(std::size_t size) {
  struct objects {
    int down = ::msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    int up = ::msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    ~objects() {
      ::msgctl(down, IPC_RMID, nullptr);
      ::msgctl(up, IPC_RMID, nullptr);
    }
  };
  const long largest = proc_limit("/proc/sys/kernel/msgmax");
  if (largest >= 0 && size > static_cast<std::size_t>(largest)) {
    throw xipc::bench::unsupported("a System V message of " + std::to_string(size) + " bytes is over kernel.msgmax (" +
                                   std::to_string(largest) + ")");
  }
  auto keep = std::make_shared<objects>();
  return {raw_sysv_side(keep->up, keep->down, size), raw_sysv_side(keep->down, keep->up, size), keep, {}, {}};
}

#endif
// ---- Boost.Interprocess ------------------------------------------------------------

namespace bip = boost::interprocess;

side boost_side(bip::message_queue& in, bip::message_queue& out, std::size_t size) {
  return {[&out](std::span<const std::byte> m) {
            out.send(m.data(), m.size(), data_priority);
            return true;
          },
          [&in, size](std::span<std::byte> buffer) {
            bip::message_queue::size_type got = 0;
            unsigned priority = 0;
            in.receive(buffer.data(), std::max(buffer.size(), size), got, priority);
            return priority != stop_priority;
          },
          [&out] { out.send("", 0, stop_priority); }};
}

connection boost_mq(std::size_t size, std::size_t depth = capacity) {
  struct objects {
    std::string down_name = queue_name("boost.down"), up_name = queue_name("boost.up");
    std::unique_ptr<bip::message_queue> down, up;
    ~objects() {
      down.reset();
      up.reset();
      bip::message_queue::remove(down_name.c_str());
      bip::message_queue::remove(up_name.c_str());
    }
  };
  auto keep = std::make_shared<objects>();
  keep->down = std::make_unique<bip::message_queue>(bip::create_only, keep->down_name.c_str(), depth, size);
  keep->up = std::make_unique<bip::message_queue>(bip::create_only, keep->up_name.c_str(), depth, size);
  return {boost_side(*keep->up, *keep->down, size), boost_side(*keep->down, *keep->up, size), keep, {}, {}};
}

[[maybe_unused]] const bool registered = [] {
  using xipc::bench::register_message_pair;
  using xipc::mailbox_backend;
  for (const auto backend : {mailbox_backend::shm, mailbox_backend::posix_mq, mailbox_backend::sysv}) {
    register_message_pair("mailbox_" + std::string(xipc::to_string(backend)),
                          [backend](std::size_t size) { return mailboxes(backend, size); });
  }
#if XIPC_HAS_POSIX_MQ
  register_message_pair("raw_posix_mq", raw_posix_mq);
#endif
#if XIPC_HAS_SYSV_MQ
  register_message_pair("raw_sysv", raw_sysv);
#endif
  register_message_pair("boost_mq", [](std::size_t size) { return boost_mq(size); });
  // The shm mailbox's other wait policies (the default, adaptive, is mailbox_shm).
  for (const auto& [label, mode] : {std::pair{"spin", xipc::wait_mode::spin}, std::pair{"block", xipc::wait_mode::block}}) {
    register_message_pair(std::string("mailbox_shm_") + label, [mode = mode](std::size_t size) {
      return mailboxes(xipc::mailbox_backend::shm, size, capacity, {.mode = mode});
    });
  }
  // Streaming one way through deep queues: the conditions a "× message_queue" claim must name.
  constexpr std::size_t deep = 256;
  register_message_pair(
      "mailbox_shm_deep256", [](std::size_t size) { return mailboxes(xipc::mailbox_backend::shm, size, deep); },
      xipc::bench::measures::throughput_only);
  register_message_pair("boost_mq_deep256", [](std::size_t size) { return boost_mq(size, deep); },
                        xipc::bench::measures::throughput_only);
  return true;
}();

}  // namespace
