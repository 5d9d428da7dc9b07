#include <xipc/anonymous_memory.hpp>

#include <fmt/format.h>
#include <unistd.h>

#include "backend/mapping.hpp"
#include "posix/anonymous_file.hpp"
#include "posix/os_error.hpp"

namespace xipc {

anonymous_memory anonymous_memory::create(std::size_t size, detail::failure& why) {
  if (size == 0) {
    why = detail::refuse(errc::invalid_argument, "size must be at least 1 byte");
    return {};
  }
  const int fd = detail::open_anonymous_file(why);
  if (fd < 0) return {};
  detail::mapped_view view;
  if (detail::retry_on_eintr([&] { return ::ftruncate(fd, static_cast<off_t>(size)); }) != 0) {
    why = detail::os_failure(fmt::format("ftruncate({})", size), errno);
  } else if (detail::fix_anonymous_file_size(fd, why)) {
    view = detail::map_view(fd, 0, size, access::read_write, why);
  }
  if (why) {
    detail::close_quietly(fd);
    return {};
  }
  return anonymous_memory(fd, view);
}

}  // namespace xipc
