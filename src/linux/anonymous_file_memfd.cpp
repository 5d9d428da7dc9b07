// anonymous_file.hpp on Linux: memfd_create.
#include <sys/mman.h>

#include "posix/anonymous_file.hpp"
#include "posix/os_error.hpp"

namespace xipc::detail {

int open_anonymous_file(failure& why) {
  // The name only labels the region in /proc/<pid>/fd; it lives in no namespace.
  const int fd = ::memfd_create("xipc.anonymous_memory", MFD_CLOEXEC);
  if (fd < 0) why = os_failure("memfd_create", errno);
  return fd;
}

}  // namespace xipc::detail
