#include <xipc/mapped_file.hpp>

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/mapping.hpp"
#include "posix/os_error.hpp"
#include "memory/file_range.hpp"

namespace xipc {

mapped_file mapped_file::open(std::string_view path, access mode, file_range range, detail::failure& why) {
  const std::string file(path);
  const int flags = (mode == access::read_write ? O_RDWR : O_RDONLY) | O_CLOEXEC;
  const int fd = detail::retry_on_eintr([&] { return ::open(file.c_str(), flags); });
  if (fd < 0) {
    why = detail::os_failure(fmt::format("open(\"{}\")", file), errno);
    return {};
  }
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    why = detail::os_failure(fmt::format("fstat(\"{}\")", file), errno);
  } else if (!S_ISREG(info.st_mode)) {
    why = detail::refuse(errc::invalid_argument, "not a regular file");
  }
  const auto file_size = static_cast<std::size_t>(info.st_size);
  const std::size_t length = why ? 0 : detail::file_range_length(file_size, range, why);
  detail::mapped_view view;
  if (!why) view = detail::map_view(fd, range.offset, length, mode, why);
  if (why) {
    detail::close_quietly(fd);
    return {};
  }
  return mapped_file(fd, view, file);
}

}  // namespace xipc
