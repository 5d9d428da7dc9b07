#include <xipc/name.hpp>
#include <xipc/shared_memory.hpp>
#include <xipc/detail/config.hpp>

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "backend/mapping.hpp"
#include "posix/object_owner.hpp"
#include "posix/os_error.hpp"

namespace xipc {
namespace {

// How long open() waits for a creator that has made the object but not yet
// sized it: create is shm_open, then ftruncate, and another process can open in between.
constexpr auto unsized_wait_total = std::chrono::milliseconds(50);
constexpr auto unsized_wait_step = std::chrono::milliseconds(1);

std::string checked_os_name(std::string_view name, detail::failure& why, name_kind kind) {
  std::string reason;
  if (validate_name(name, &reason)) {
    why = detail::refuse(errc::invalid_name, std::move(reason));
    return {};
  }
  return os_name(kind, name);
}

int open_object(const std::string& path, int flags, permissions perms, detail::failure& why) {
  const int fd = detail::retry_on_eintr([&] { return ::shm_open(path.c_str(), flags | O_CLOEXEC, perms.bits); });
  if (fd < 0) why = detail::os_failure(fmt::format("shm_open(\"{}\")", path), errno);
  return fd;
}

// Gives a newly created object its permissions and size, reserving the pages
// so that a full /dev/shm is an error here rather than SIGBUS on first touch.
bool size_new_object(int fd, const std::string& path, std::size_t size, permissions perms, detail::failure& why) {
  // shm_open applied the umask; fchmod sets exactly what was asked for.
  if (::fchmod(fd, static_cast<mode_t>(perms.bits)) != 0) {
    why = detail::os_failure(fmt::format("fchmod(\"{}\", {:o})", path, perms.bits), errno);
    return false;
  }
  if (detail::retry_on_eintr([&] { return ::ftruncate(fd, static_cast<off_t>(size)); }) != 0) {
    why = detail::os_failure(fmt::format("ftruncate(\"{}\", {})", path, size), errno);
    return false;
  }
#if XIPC_HAS_POSIX_FALLOCATE
  const int rc = ::posix_fallocate(fd, 0, static_cast<off_t>(size));
  // Filesystems without fallocate report EOPNOTSUPP or EINVAL: the size is set all the same.
  if (rc != 0 && rc != EOPNOTSUPP && rc != EINVAL) {
    why = detail::os_failure(fmt::format("posix_fallocate(\"{}\", {})", path, size), rc);
    return false;
  }
#endif
  return true;
}

// Waits out the short window in which a creator has not yet sized the object.
std::size_t sized_object_size(int fd, const std::string& path, detail::failure& why) {
  std::size_t size = detail::object_size(fd, why);
  for (auto waited = unsized_wait_step * 0; !why && size == 0 && waited < unsized_wait_total;
       waited += unsized_wait_step) {
    std::this_thread::sleep_for(unsized_wait_step);
    size = detail::object_size(fd, why);
  }
  if (!why && size == 0) {
    why = detail::refuse(errc::busy, fmt::format("{} exists with size 0: its creator has not sized it yet", path));
  }
  return size;
}

}  // namespace

shared_memory shared_memory::create(std::string_view name, std::size_t size, const shared_memory_options& options,
                                    detail::failure& why, name_kind kind) {
  const std::string path = checked_os_name(name, why, kind);
  if (why) return {};
  if (size == 0) {
    why = detail::refuse(errc::invalid_argument, "size must be at least 1 byte");
    return {};
  }
  const int fd = open_object(path, O_CREAT | O_EXCL | O_RDWR, options.perms, why);
  if (fd < 0) return {};
  detail::mapped_view view;
  if (size_new_object(fd, path, size, options.perms, why)) view = detail::map_view(fd, 0, size, access::read_write, why);
  if (why) {
    // Creation is all or nothing: no half-made object stays behind.
    ::shm_unlink(path.c_str());
    detail::close_quietly(fd);
    return {};
  }
  return shared_memory(fd, view, std::string(name));
}

shared_memory shared_memory::open(std::string_view name, access mode, const shared_memory_options& options,
                                  detail::failure& why, name_kind kind) {
  const std::string path = checked_os_name(name, why, kind);
  if (why) return {};
  const int fd = open_object(path, mode == access::read_write ? O_RDWR : O_RDONLY, permissions{}, why);
  if (fd < 0) return {};
  // Before a byte of it is used: whoever made it may be someone else.
  std::size_t size = 0;
  if (detail::check_descriptor_owner(fd, path, options.perms, why)) size = sized_object_size(fd, path, why);
  detail::mapped_view view;
  if (!why) view = detail::map_view(fd, 0, size, mode, why);
  if (why) {
    detail::close_quietly(fd);
    return {};
  }
  return shared_memory(fd, view, std::string(name));
}

bool shared_memory::remove(std::string_view name, detail::failure& why, name_kind kind) {
  const std::string path = checked_os_name(name, why, kind);
  if (why) return false;
  if (::shm_unlink(path.c_str()) == 0) return true;
  if (errno == ENOENT) return false;
  why = detail::os_failure(fmt::format("shm_unlink(\"{}\")", path), errno);
  return false;
}

}  // namespace xipc
