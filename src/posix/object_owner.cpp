#include "posix/object_owner.hpp"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include "posix/os_error.hpp"

namespace xipc::detail {

std::uint32_t current_user_id() noexcept { return static_cast<std::uint32_t>(::geteuid()); }

bool check_descriptor_owner(int fd, std::string_view what, const permissions& asked, failure& why) {
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    why = os_failure(fmt::format("fstat(\"{}\")", what), errno);
    return false;
  }
  return check_found_owner(what, {static_cast<std::uint32_t>(info.st_uid), static_cast<std::uint32_t>(info.st_mode), {}},
                           asked, why);
}

const char* file_type_name(unsigned mode) noexcept {
  if (S_ISREG(mode)) return "a regular file";
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISLNK(mode)) return "a symbolic link";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
  return "a file of unknown type";
}

}  // namespace xipc::detail
