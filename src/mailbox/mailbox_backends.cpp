// The mailbox backends this build has, chosen by mechanism: shm everywhere,
// POSIX message queues and System V queues where the OS has them with usable
// limits (Linux: src/linux/), Mach ports on macOS (src/mach/). mailbox_backend_available() reports the same.
#include <xipc/detail/config.hpp>

#include "mailbox/mailbox_queue.hpp"

namespace xipc::detail {
namespace {

// Calls `call` with the backend of `backend` (a mailbox_backend_of<...>).
// REQUIRES: mailbox_backend_built(backend).
template <class Call>
decltype(auto) with_backend(mailbox_backend backend, Call&& call) {
  switch (backend) {
#if XIPC_HAS_POSIX_MQ
    case mailbox_backend::posix_mq: return call(mailbox_backend_of<mailbox_backend::posix_mq>{});
#endif
#if XIPC_HAS_SYSV_MQ
    case mailbox_backend::sysv: return call(mailbox_backend_of<mailbox_backend::sysv>{});
#endif
#if XIPC_HAS_MACH_PORTS
    case mailbox_backend::mach_port: return call(mailbox_backend_of<mailbox_backend::mach_port>{});
#endif
    default: return call(mailbox_backend_of<mailbox_backend::shm>{});
  }
}

}  // namespace

bool mailbox_backend_built(mailbox_backend backend) noexcept {
  switch (backend) {
    case mailbox_backend::shm: return true;
    case mailbox_backend::posix_mq: return XIPC_HAS_POSIX_MQ != 0;
    case mailbox_backend::sysv: return XIPC_HAS_SYSV_MQ != 0;
    case mailbox_backend::mach_port: return XIPC_HAS_MACH_PORTS != 0;
  }
  return false;
}

std::uint64_t mailbox_queue_bytes(const mailbox_options& options) {
  return with_backend(options.backend, [&](auto backend) { return backend.queue_bytes(options); });
}

std::unique_ptr<mailbox_queue> create_mailbox_queue(const mailbox_setup& setup, failure& why) {
  return with_backend(setup.options.backend, [&](auto backend) { return backend.create(setup, why); });
}

std::unique_ptr<mailbox_queue> open_mailbox_queue(const mailbox_setup& setup, failure& why) {
  return with_backend(setup.options.backend, [&](auto backend) { return backend.open(setup, why); });
}

void remove_mailbox_queues(std::string_view name) {
  for (const auto backend :
       {mailbox_backend::shm, mailbox_backend::posix_mq, mailbox_backend::sysv, mailbox_backend::mach_port}) {
    if (mailbox_backend_built(backend)) with_backend(backend, [&](auto chosen) { chosen.remove(name); });
  }
}

}  // namespace xipc::detail
