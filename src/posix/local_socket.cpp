#include "local_socket.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <thread>
#include <xipc/name.hpp>

#include "posix/os_error.hpp"
#include "stable_hash.hpp"
#include "stream_io.hpp"

namespace xipc::detail {
namespace {

constexpr std::size_t max_path_bytes = sizeof(sockaddr_un::sun_path) - 1;

// How connect waits while a server's backlog is full (AF_UNIX says EAGAIN, not EINPROGRESS).
constexpr auto backlog_retry_first = std::chrono::microseconds(100);
constexpr auto backlog_retry_longest = std::chrono::milliseconds(10);

int socket_type(local_socket_kind kind) { return kind == local_socket_kind::stream ? SOCK_STREAM : SOCK_SEQPACKET; }

sockaddr_un address_of(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::copy_n(path.data(), std::min(path.size(), max_path_bytes), address.sun_path);
  return address;
}

int new_socket(local_socket_kind kind, failure& why) {
  const int fd = ::socket(AF_UNIX, socket_type(kind) | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) why = os_failure("socket(AF_UNIX)", errno);
  return fd;
}

// Makes `directory` if needed and checks that only this user can use it: the
// socket files in it are as private as the directory is.
bool private_directory(const std::string& directory, failure& why) {
  if (::mkdir(directory.c_str(), 0700) != 0 && errno != EEXIST) {
    why = os_failure(fmt::format("mkdir(\"{}\")", directory), errno);
    return false;
  }
  struct stat info {};
  if (::lstat(directory.c_str(), &info) != 0) {
    why = os_failure(fmt::format("lstat(\"{}\")", directory), errno);
    return false;
  }
  if (!S_ISDIR(info.st_mode) || info.st_uid != ::getuid() || (info.st_mode & 077) != 0) {
    why = refuse(errc::permission_denied,
                 fmt::format("{} must be a directory that only this user (uid {}) can use", directory, ::getuid()));
    return false;
  }
  return true;
}

}  // namespace

std::string local_socket_path(std::string_view name, failure& why) {
  std::string reason;
  if (validate_name(name, &reason)) {
    why = refuse(errc::invalid_name, std::move(reason));
    return {};
  }
  const char* runtime = std::getenv("XDG_RUNTIME_DIR");
  const std::string directory = runtime != nullptr && runtime[0] == '/' ? fmt::format("{}/xipc", runtime)
                                                                         : fmt::format("/tmp/xipc-{}", ::getuid());
  if (!private_directory(directory, why)) return {};
  std::string path = fmt::format("{}/{}.sock", directory, name);
  if (path.size() > max_path_bytes) {
    path = fmt::format("{}/{}.{:016x}.sock", directory, name.substr(0, 8), stable_hash(name));
  }
  if (path.size() > max_path_bytes) {
    why = refuse(errc::invalid_name, fmt::format("the socket directory {} leaves no room for a name", directory));
    return {};
  }
  return path;
}

std::uint64_t socket_file_id(const std::string& path) noexcept {
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) return 0;
  return (static_cast<std::uint64_t>(info.st_dev) * 0x9E3779B97F4A7C15ull) ^ static_cast<std::uint64_t>(info.st_ino);
}

native_handle_type local_listen(const std::string& path, local_socket_kind kind, failure& why) {
  const int fd = new_socket(kind, why);
  if (fd < 0) return invalid_native_handle;
  const sockaddr_un address = address_of(path);
  for (int attempt = 0;; ++attempt) {
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0) break;
    if (errno != EADDRINUSE || attempt > 0) {
      why = os_failure(fmt::format("bind(\"{}\")", path), errno);
      ::close(fd);
      return invalid_native_handle;
    }
    // Something is there. A server that listens answers a connect; a socket
    // file left by a crashed one refuses it, and is replaced.
    failure probe_failure;
    const int probe = local_connect(path, kind, deadline::immediately(), probe_failure);
    // Only "nobody there" makes the file stale; any other answer (accepted, a
    // full backlog, a server of the other socket type) means a live server.
    if (probe >= 0 || probe_failure.code != errc::not_found) {
      if (probe >= 0) ::close(probe);
      why = refuse(errc::already_exists, fmt::format("a server is already listening at {}", path));
      ::close(fd);
      return invalid_native_handle;
    }
    ::unlink(path.c_str());
  }
  if (::listen(fd, SOMAXCONN) != 0) {
    why = os_failure(fmt::format("listen(\"{}\")", path), errno);
    ::close(fd);
    ::unlink(path.c_str());
    return invalid_native_handle;
  }
  return fd;
}

native_handle_type socket_accept(native_handle_type listener, deadline until, std::error_code& error) noexcept {
  for (;;) {
    // The listener is non-blocking (accept takes no MSG_DONTWAIT); the connection it gives is blocking.
    const int fd = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd >= 0) return fd;
    if (errno == EINTR || errno == ECONNABORTED) continue;
    if (errno != EAGAIN) {
      error = error_from_errno(errno);
      return invalid_native_handle;
    }
    if ((error = wait_readable(listener, until))) return invalid_native_handle;
  }
}

native_handle_type local_connect(const std::string& path, local_socket_kind kind, deadline until, failure& why) {
  const sockaddr_un address = address_of(path);
  auto pause = std::chrono::duration_cast<std::chrono::nanoseconds>(backlog_retry_first);
  for (;;) {
    const int fd = new_socket(kind, why);
    if (fd < 0) return invalid_native_handle;
    if (retry_on_eintr([&] { return ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address); }) == 0) {
      if (const std::error_code error = make_blocking(fd)) {
        why = failure{error, fmt::format("fcntl(\"{}\")", path), error.message()};
        ::close(fd);
        return invalid_native_handle;
      }
      return fd;
    }
    const int error = errno;
    ::close(fd);
    if (error == ENOENT || error == ECONNREFUSED) {
      why = refuse(errc::not_found, fmt::format("no server is listening at {}", path));
      return invalid_native_handle;
    }
    if (error != EAGAIN) {
      why = os_failure(fmt::format("connect(\"{}\")", path), error);
      return invalid_native_handle;
    }
    // The server is there but its backlog is full: wait for it to accept.
    if (until.is_immediate() || until.expired()) {
      why = refuse(until.is_immediate() ? errc::would_block : errc::timed_out,
                   fmt::format("the server at {} accepted no connection in time", path));
      return invalid_native_handle;
    }
    std::this_thread::sleep_for(std::min<std::chrono::nanoseconds>(pause, until.remaining()));
    pause = std::min<std::chrono::nanoseconds>(pause * 2, backlog_retry_longest);
  }
}

int socket_attempt_flags(deadline until) noexcept { return until.is_forever() ? 0 : MSG_DONTWAIT; }

std::error_code make_blocking(native_handle_type socket) noexcept {
  const int flags = ::fcntl(socket, F_GETFL);
  if (flags < 0 || ::fcntl(socket, F_SETFL, flags & ~O_NONBLOCK) != 0) return error_from_errno(errno);
  return {};
}

io_result socket_read_some(native_handle_type socket, std::span<std::byte> buffer, deadline until) noexcept {
  if (buffer.empty()) return {};
  for (;;) {
    const ssize_t got = ::recv(socket, buffer.data(), buffer.size(), socket_attempt_flags(until));
    if (got > 0) return {static_cast<std::size_t>(got), {}};
    if (got == 0) return {0, make_error_code(errc::end_of_stream)};
    if (errno == EINTR) continue;
    if (errno != EAGAIN) return {0, error_from_errno(errno)};
    if (const std::error_code ec = wait_readable(socket, until)) return {0, ec};
  }
}

io_result socket_write_some(native_handle_type socket, std::span<const std::byte> data, deadline until) noexcept {
  if (data.empty()) return {};
  for (;;) {
    // MSG_NOSIGNAL: a peer that is gone is EPIPE, not SIGPIPE (no signal mask games, as pipes need).
    const ssize_t sent = ::send(socket, data.data(), data.size(), MSG_NOSIGNAL | socket_attempt_flags(until));
    if (sent >= 0) return {static_cast<std::size_t>(sent), {}};
    if (errno == EINTR) continue;
    if (errno != EAGAIN) return {0, error_from_errno(errno)};
    if (const std::error_code ec = wait_writable(socket, until)) return {0, ec};
  }
}

std::error_code socket_send_message(native_handle_type socket, std::span<const std::byte> message,
                                   deadline until) noexcept {
  for (;;) {
    // MSG_NOSIGNAL: a peer that is gone is EPIPE, not SIGPIPE.
    if (::send(socket, message.data(), message.size(), MSG_NOSIGNAL | socket_attempt_flags(until)) >= 0) return {};
    if (errno == EINTR) continue;
    if (errno != EAGAIN) return error_from_errno(errno);
    if (const std::error_code ec = wait_writable(socket, until)) return ec;
  }
}

io_result socket_receive_message(native_handle_type socket, std::span<std::byte> buffer, std::size_t largest_expected,
                                deadline until) noexcept {
  // Peeking costs a system call: only when the message might not fit.
  const int peek = buffer.size() < largest_expected ? MSG_PEEK : 0;
  for (;;) {
    // MSG_TRUNC: the result is the message's real size, even when larger than the buffer.
    const ssize_t size = ::recv(socket, buffer.data(), buffer.size(), peek | MSG_TRUNC | socket_attempt_flags(until));
    if (size > 0) {
      const auto bytes = static_cast<std::size_t>(size);
      if (bytes > buffer.size()) {
        // Peeked: the message stays. Not peeked: the peer broke the agreed maximum and the message is lost.
        return {bytes, make_error_code(peek != 0 ? errc::message_too_large : errc::corrupted)};
      }
      if (peek != 0) {
        // It fits: now take it (without waiting: another reader may have been quicker).
        if (::recv(socket, buffer.data(), buffer.size(), MSG_DONTWAIT) < 0) {
          if (errno == EAGAIN || errno == EINTR) continue;
          return {0, error_from_errno(errno)};
        }
      }
      return {bytes, {}};
    }
    if (size == 0) return {0, make_error_code(errc::peer_closed)};  // zero-length messages are refused at send
    if (errno == EINTR) continue;
    if (errno != EAGAIN) return {0, error_from_errno(errno)};
    if (const std::error_code ec = wait_readable(socket, until)) return {0, ec};
  }
}

}  // namespace xipc::detail
