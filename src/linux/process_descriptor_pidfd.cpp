// process_descriptor.hpp on Linux: pidfd_open (5.3 and later; -1 before).
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "posix/process_descriptor.hpp"

namespace xipc::detail {

int open_process_descriptor(pid_t pid) noexcept {
  const long pidfd = ::syscall(SYS_pidfd_open, pid, 0);
  if (pidfd < 0) return -1;
  ::fcntl(static_cast<int>(pidfd), F_SETFD, FD_CLOEXEC);
  return static_cast<int>(pidfd);
}

}  // namespace xipc::detail
