#include <xipc/anonymous_memory.hpp>

#include <fmt/format.h>
#include <sys/mman.h>
#include <unistd.h>

#include "backend/mapping.hpp"
#include "posix/os_error.hpp"

namespace xipc {

anonymous_memory anonymous_memory::create(std::size_t size, detail::failure& why) {
  if (size == 0) {
    why = detail::refuse(errc::invalid_argument, "size must be at least 1 byte");
    return {};
  }
  // The name only labels the region in /proc/<pid>/fd; it lives in no namespace.
  const int fd = ::memfd_create("xipc.anonymous_memory", MFD_CLOEXEC);
  if (fd < 0) {
    why = detail::os_failure("memfd_create", errno);
    return {};
  }
  detail::mapped_view view;
  if (detail::retry_on_eintr([&] { return ::ftruncate(fd, static_cast<off_t>(size)); }) != 0) {
    why = detail::os_failure(fmt::format("ftruncate({})", size), errno);
  } else {
    view = detail::map_view(fd, 0, size, access::read_write, why);
  }
  if (why) {
    detail::close_quietly(fd);
    return {};
  }
  return anonymous_memory(fd, view);
}

}  // namespace xipc
