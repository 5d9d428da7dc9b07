// The mailbox backends this build has, chosen by mechanism: shm everywhere,
// POSIX message queues and System V queues where the OS has them with usable
// limits (Linux: src/linux/). mailbox_backend_available() reports the same.
#include <xipc/detail/config.hpp>

#include "mailbox/mailbox_queue.hpp"

namespace xipc::detail {

const mailbox_backend_ops* find_mailbox_backend(mailbox_backend backend) noexcept {
  switch (backend) {
    case mailbox_backend::shm: return &shm_mailbox_backend;
#if XIPC_HAS_POSIX_MQ
    case mailbox_backend::posix_mq: return &posix_mq_mailbox_backend;
#else
    case mailbox_backend::posix_mq: return nullptr;
#endif
#if XIPC_HAS_SYSV_MQ
    case mailbox_backend::sysv: return &sysv_mailbox_backend;
#else
    case mailbox_backend::sysv: return nullptr;
#endif
  }
  return nullptr;
}

}  // namespace xipc::detail
