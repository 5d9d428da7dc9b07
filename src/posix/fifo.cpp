#include <xipc/fifo.hpp>

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <thread>

#include "posix/object_owner.hpp"
#include "posix/os_error.hpp"
#include "backend/stream_io.hpp"

namespace xipc {
namespace {

// How open_writer waits for a reader: a non-blocking open fails with ENXIO
// while there is none, so it tries again, backing off up to this interval.
constexpr auto reader_poll_first = std::chrono::microseconds(100);
constexpr auto reader_poll_longest = std::chrono::milliseconds(10);

// Keeps `fd` if it is a FIFO trusted under `perms`, made blocking like a
// pipe's ends (the open had to be non-blocking, not to wait); else closes it,
// sets `why` and returns -1.
int keep_if_fifo(int fd, const std::string& path, permissions perms, detail::failure& why) {
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISFIFO(info.st_mode)) {
    why = detail::refuse(errc::invalid_argument,
                         fmt::format("the path is {}, not a FIFO", detail::file_type_name(info.st_mode)));
  } else if (detail::check_descriptor_owner(fd, path, perms, why)) {
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    return fd;
  }
  ::close(fd);
  return -1;
}

int open_path(const std::string& path, int flags) {
  return detail::retry_on_eintr([&] { return ::open(path.c_str(), flags | O_CLOEXEC | O_NONBLOCK); });
}

}  // namespace

io_result fifo_reader::read_some(std::span<std::byte> buffer, deadline until) noexcept {
  for (;;) {
    io_result got = detail::read_some_handle(native_handle(), buffer, until);
    if (got.error != errc::end_of_stream) return got;
    // read() says 0 both before the first writer and after the last one.
    // poll() tells them apart: it reports a hang-up only once a writer has
    // come and gone since this end was opened (Linux, and POSIX on FIFOs).
    pollfd entry{native_handle(), POLLIN, 0};
    if (::poll(&entry, 1, 0) > 0 && (entry.revents & POLLHUP) != 0) return got;
    if (const std::error_code ec = detail::wait_readable(native_handle(), until)) return {0, ec};
  }
}

io_result fifo_writer::write_some(std::span<const std::byte> data, deadline until) noexcept {
  return detail::write_some_handle(native_handle(), data, until);
}

bool fifo::create(std::string_view path, permissions perms, detail::failure& why) {
  const std::string file(path);
  const auto mode = static_cast<mode_t>(perms.bits & 0777);
  if (::mkfifo(file.c_str(), mode) != 0) {
    why = detail::os_failure(fmt::format("mkfifo(\"{}\")", file), errno);
    return false;
  }
  // mkfifo applied the umask. The exact mode is set through a descriptor of
  // the FIFO itself (a non-blocking read open returns at once), checked to be
  // the FIFO this call made: in a directory others can write to, the path
  // may name something else by now, and a chmod by name would follow it.
  const int fd = open_path(file, O_RDONLY | O_NOFOLLOW);
  struct stat info {};
  if (fd < 0 || ::fstat(fd, &info) != 0 || !S_ISFIFO(info.st_mode) || info.st_uid != ::geteuid() ||
      info.st_nlink != 1) {
    const int error = errno;
    if (fd >= 0) ::close(fd);
    why = fd < 0 ? detail::os_failure(fmt::format("open(\"{}\", O_NOFOLLOW)", file), error)
                 : detail::refuse(errc::permission_denied,
                                  fmt::format("{} was replaced by {} before its mode was set: left alone", file,
                                              detail::file_type_name(info.st_mode)));
    return false;
  }
  const int rc = ::fchmod(fd, mode);
  const int error = errno;
  ::close(fd);
  if (rc != 0) {
    why = detail::os_failure(fmt::format("fchmod(\"{}\", {:o})", file, mode), error);
    ::unlink(file.c_str());
    return false;
  }
  return true;
}

bool fifo::remove(std::string_view path, detail::failure& why) {
  const std::string file(path);
  struct stat info {};
  if (::lstat(file.c_str(), &info) != 0) {
    if (errno == ENOENT) return false;
    why = detail::os_failure(fmt::format("lstat(\"{}\")", file), errno);
    return false;
  }
  if (!S_ISFIFO(info.st_mode)) {
    why = detail::refuse(errc::invalid_argument,
                         fmt::format("the path is {}: not removed", detail::file_type_name(info.st_mode)));
    return false;
  }
  if (::unlink(file.c_str()) != 0) {
    if (errno == ENOENT) return false;
    why = detail::os_failure(fmt::format("unlink(\"{}\")", file), errno);
    return false;
  }
  return true;
}

fifo_reader fifo::open_reader(std::string_view path, permissions perms, detail::failure& why) {
  const std::string file(path);
  const int fd = open_path(file, O_RDONLY);
  if (fd < 0) {
    why = detail::os_failure(fmt::format("open(\"{}\")", file), errno);
    return {};
  }
  const int fifo_fd = keep_if_fifo(fd, file, perms, why);
  return fifo_fd < 0 ? fifo_reader() : fifo_reader(fifo_fd);
}

fifo_writer fifo::open_writer(std::string_view path, deadline until, permissions perms, detail::failure& why) {
  const std::string file(path);
  auto pause = std::chrono::duration_cast<std::chrono::nanoseconds>(reader_poll_first);
  for (;;) {
    const int fd = open_path(file, O_WRONLY);
    if (fd >= 0) {
      const int fifo_fd = keep_if_fifo(fd, file, perms, why);
      return fifo_fd < 0 ? fifo_writer() : fifo_writer(fifo_fd);
    }
    // ENXIO means no reader yet; anything else (missing, forbidden, a directory) is final.
    if (errno != ENXIO) {
      why = detail::os_failure(fmt::format("open(\"{}\")", file), errno);
      return {};
    }
    if (until.is_immediate()) {
      why = detail::refuse(errc::would_block, "no reader has the FIFO open");
      return {};
    }
    if (until.expired()) {
      why = detail::refuse(errc::timed_out, "no reader opened the FIFO before the deadline");
      return {};
    }
    std::this_thread::sleep_for(std::min<std::chrono::nanoseconds>(pause, until.remaining()));
    pause = std::min<std::chrono::nanoseconds>(pause * 2, reader_poll_longest);
  }
}

}  // namespace xipc
