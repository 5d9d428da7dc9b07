// The mailbox backends of Windows builds: shm only. Windows has neither POSIX
// message queues nor System V queues; mailbox_backend_available() says so,
// and opening a mailbox with either is errc::invalid_argument.
#include "mailbox/mailbox_queue.hpp"

namespace xipc::detail {

const mailbox_backend_ops* find_mailbox_backend(mailbox_backend backend) noexcept {
  switch (backend) {
    case mailbox_backend::shm: return &shm_mailbox_backend;
    case mailbox_backend::posix_mq:
    case mailbox_backend::sysv: return nullptr;
  }
  return nullptr;
}

}  // namespace xipc::detail
