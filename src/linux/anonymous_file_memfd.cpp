// anonymous_file.hpp on Linux: memfd_create.
#include <fcntl.h>
#include <sys/mman.h>

#include "posix/anonymous_file.hpp"
#include "posix/os_error.hpp"

namespace xipc::detail {

int open_anonymous_file(failure& why) {
  // The name only labels the region in /proc/<pid>/fd; it lives in no namespace.
  const int fd = ::memfd_create("xipc.anonymous_memory", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) why = os_failure("memfd_create", errno);
  return fd;
}

bool fix_anonymous_file_size(int fd, failure& why) {
  if (::fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) == 0) return true;
  why = os_failure("fcntl(F_ADD_SEALS)", errno);
  return false;
}

bool anonymous_file_size_fixed(int fd) noexcept {
  const int seals = ::fcntl(fd, F_GET_SEALS);
  return seals >= 0 && (seals & F_SEAL_SHRINK) != 0;
}

}  // namespace xipc::detail
