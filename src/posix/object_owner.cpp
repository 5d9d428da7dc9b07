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

bool own_directory(const std::string& path, unsigned mode, unsigned refused, failure& why) {
  if (::mkdir(path.c_str(), static_cast<mode_t>(mode)) != 0 && errno != EEXIST) {
    why = os_failure(fmt::format("mkdir(\"{}\")", path), errno);
    return false;
  }
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) {
    why = os_failure(fmt::format("lstat(\"{}\")", path), errno);
    return false;
  }
  if (!S_ISDIR(info.st_mode) || info.st_uid != ::getuid() || (info.st_mode & refused) != 0) {
    why = refuse(errc::permission_denied,
                 fmt::format("{} must be a directory of this user's (uid {}) without mode bits {:03o}; it is {}, "
                             "owned by uid {}, mode {:03o}",
                             path, ::getuid(), refused, file_type_name(info.st_mode), info.st_uid, info.st_mode & 07777));
    return false;
  }
  return true;
}

}  // namespace xipc::detail
