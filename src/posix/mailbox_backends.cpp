// The mailbox backends of POSIX builds: shm (portable), POSIX mq and SysV.
#include "mailbox/mailbox_queue.hpp"

namespace xipc::detail {

const mailbox_backend_ops* find_mailbox_backend(mailbox_backend backend) noexcept {
  switch (backend) {
    case mailbox_backend::shm: return &shm_mailbox_backend;
    case mailbox_backend::posix_mq: return &posix_mq_mailbox_backend;
    case mailbox_backend::sysv: return &sysv_mailbox_backend;
  }
  return nullptr;
}

}  // namespace xipc::detail
