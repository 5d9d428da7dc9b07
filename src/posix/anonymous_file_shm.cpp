// anonymous_file.hpp where there is no memfd: a shared memory object under a
// random name, created exclusively for this user only, and unlinked at once,
// so that no other process can open it by name from then on.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xipc/detail/config.hpp>

#include <fmt/format.h>

#include "posix/anonymous_file.hpp"
#include "posix/os_error.hpp"
#include "sync/wait_word.hpp"

namespace xipc::detail {

int open_anonymous_file(failure& why) {
  for (int attempt = 0; attempt < 16; ++attempt) {
    // 31 characters at most: macOS's limit for a shared memory name.
    const std::string name = fmt::format("/xipc.anon.{:016x}", new_random_key());
    const int fd = ::shm_open(name.c_str(), O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd < 0) {
      if (errno == EEXIST) continue;
      why = os_failure(fmt::format("shm_open(\"{}\")", name), errno);
      return -1;
    }
    ::shm_unlink(name.c_str());
    if (::fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
      why = os_failure("fcntl(F_SETFD)", errno);
      ::close(fd);
      return -1;
    }
    return fd;
  }
  why = refuse(errc::busy, "16 random names for an anonymous memory object were all taken");
  return -1;
}

// A shared memory object has no seals. Where the system sets its size only
// once (macOS: a second ftruncate is EINVAL), the size is fixed as soon as it
// has been set; elsewhere it never counts as fixed.
bool fix_anonymous_file_size(int /*fd*/, failure& /*why*/) { return true; }

bool anonymous_file_size_fixed([[maybe_unused]] int fd) noexcept {
#if XIPC_HAS_SHM_SIZE_ONCE
  struct stat info {};
  return ::fstat(fd, &info) == 0 && info.st_size > 0;
#else
  return false;
#endif
}

}  // namespace xipc::detail
