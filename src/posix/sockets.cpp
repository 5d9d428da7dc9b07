// The POSIX side of sockets (socket_io.hpp): BSD sockets, blocking once
// connected, MSG_TRUNC for a datagram's size. New descriptors come from
// new_descriptor.hpp, the socket table from socket_table.hpp, and a peer's
// credentials from the OS's own file (Linux: linux/socket_peer_ucred.cpp).
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <optional>
#include <string>
#include <string_view>

#include "posix/new_descriptor.hpp"
#include "posix/object_owner.hpp"
#include "posix/socket_table.hpp"
#include "posix/os_error.hpp"
#include "net/socket_io.hpp"
#include "posix/stream_io.hpp"

namespace xipc::detail {

os_socket open_socket(int domain, int type, bool non_blocking) noexcept {
  return new_socket_descriptor(domain, type, non_blocking);
}

os_socket accept_connection(os_socket listener) noexcept {
  // The listener is non-blocking (accept takes no MSG_DONTWAIT); the
  // connection comes out blocking, as connected sockets are here.
  return accept_new_descriptor(listener);
}

std::error_code set_connected_mode(native_handle_type socket) noexcept {
  const int flags = ::fcntl(socket, F_GETFL);
  if (flags < 0) return error_from_os(errno);
  if ((flags & O_NONBLOCK) != 0 && ::fcntl(socket, F_SETFL, flags & ~O_NONBLOCK) != 0) return error_from_os(errno);
  return {};
}

int socket_attempt_flags(deadline until) noexcept { return until.is_forever() ? 0 : MSG_DONTWAIT; }

std::error_code wait_socket(native_handle_type socket, bool for_writing, deadline until) noexcept {
  return for_writing ? wait_writable(socket, until) : wait_readable(socket, until);
}

long long receive_attempt(os_socket socket, std::span<std::byte> buffer, int flags, sockaddr_storage* from,
                          socklen_t* from_length) noexcept {
  // MSG_TRUNC: the result is the message's real size, even when larger than the buffer.
  return ::recvfrom(socket, buffer.data(), buffer.size(), flags | MSG_TRUNC, reinterpret_cast<sockaddr*>(from),
                    from_length);
}

void prepare_ip_bind(os_socket socket, bool listener) noexcept {
  // SO_REUSEADDR lets a listener take a port whose old connections are in
  // TIME_WAIT. Not for UDP: there it would let two sockets share one port.
  if (listener) set_socket_option(socket, SOL_SOCKET, SO_REUSEADDR, 1);
}

bool clear_stale_socket_file(const std::string& path, int type, failure& why) {
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) {
    if (errno == ENOENT) return true;  // gone meanwhile: bind again
    why = os_failure(fmt::format("lstat(\"{}\")", path), errno);
    return false;
  }
  if (!S_ISSOCK(info.st_mode)) {
    why = refuse(errc::already_exists,
                 fmt::format("{} is {}, not a stale socket file: left alone", path, file_type_name(info.st_mode)));
    return false;
  }
  if (info.st_uid != ::geteuid()) {
    why = refuse(errc::already_exists, fmt::format("{} is a socket of uid {}: left alone", path, info.st_uid));
    return false;
  }
  // Asked without connecting where the OS can say, so a live server sees no probe.
  const std::optional<bool> listed = path_bound_in_socket_table(path);
  const bool live = listed ? *listed : socket_file_answers(path, type);
  if (live) {
    why = refuse(errc::already_exists, fmt::format("a server is bound to {}", path));
    return false;
  }
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    why = os_failure(fmt::format("unlink(\"{}\")", path), errno);
    return false;
  }
  return true;
}

void prepare_local_bind(os_socket socket, const permissions& perms) noexcept {
  // Linux gives the file the socket's mode under the umask: never wider than asked.
  ::fchmod(socket, static_cast<mode_t>(perms.bits & 0777));
}

bool set_socket_file_mode(const std::string& path, const permissions& perms, failure& why) {
  const auto mode = static_cast<mode_t>(perms.bits & 0777);
#ifdef O_PATH
  // A descriptor for the file itself, not for what a link there points to;
  // checked before anything changes, then changed through /proc, not by name.
  const int file = ::open(path.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (file < 0) {
    why = os_failure(fmt::format("open(\"{}\", O_PATH | O_NOFOLLOW)", path), errno);
    return false;
  }
  struct stat info {};
  int rc = ::fstat(file, &info);
  if (rc == 0 && (!S_ISSOCK(info.st_mode) || info.st_uid != ::geteuid())) {
    ::close(file);
    why = refuse(errc::permission_denied,
                 fmt::format("{} was replaced by {} of uid {} before its mode was set", path,
                             file_type_name(info.st_mode), info.st_uid));
    return false;
  }
  if (rc == 0 && (info.st_mode & 07777) != mode) {
    rc = ::chmod(fmt::format("/proc/self/fd/{}", file).c_str(), mode);
  }
  const int error = errno;
  ::close(file);
  if (rc != 0) {
    why = os_failure(fmt::format("chmod(\"{}\", {:o})", path, mode), error);
    return false;
  }
  return true;
#else
  if (::fchmodat(AT_FDCWD, path.c_str(), mode, AT_SYMLINK_NOFOLLOW) != 0) {
    why = os_failure(fmt::format("fchmodat(\"{}\", {:o}, AT_SYMLINK_NOFOLLOW)", path, mode), errno);
    return false;
  }
  return true;
#endif
}

std::uint64_t socket_file_id(const std::string& path) noexcept {
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) return 0;
  return (static_cast<std::uint64_t>(info.st_dev) * 0x9E3779B97F4A7C15ull) ^ static_cast<std::uint64_t>(info.st_ino);
}

void remove_socket_file(const std::string& path) noexcept { ::unlink(path.c_str()); }

}  // namespace xipc::detail
