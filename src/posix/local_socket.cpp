#include "posix/local_socket.hpp"

#include <fmt/format.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <thread>
#include <xipc/name.hpp>
#include <xipc/permissions.hpp>

#include "posix/message_socket.hpp"
#include "posix/object_owner.hpp"
#include "posix/os_error.hpp"
#include "net/socket_io.hpp"
#include "core/stable_hash.hpp"

namespace xipc::detail {
namespace {

constexpr std::size_t max_path_bytes = sizeof(sockaddr_un::sun_path) - 1;

// How connect waits while a server's backlog is full (AF_UNIX says EAGAIN, not EINPROGRESS).
constexpr auto backlog_retry_first = std::chrono::microseconds(100);
constexpr auto backlog_retry_longest = std::chrono::milliseconds(10);

int socket_type(local_socket_kind kind) {
  return kind == local_socket_kind::stream ? SOCK_STREAM : message_socket_type();
}

sockaddr_un address_of(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::copy_n(path.data(), std::min(path.size(), max_path_bytes), address.sun_path);
  return address;
}

int new_socket(local_socket_kind kind, failure& why) {
  const int fd = open_socket(AF_UNIX, socket_type(kind), true);
  if (fd < 0) why = os_failure("socket(AF_UNIX)", errno);
  return fd;
}

// Makes `directory` if needed and checks that only this user can use it: the
// socket files in it are as private as the directory is.
bool private_directory(const std::string& directory, failure& why) { return own_directory(directory, 0700, 077, why); }

}  // namespace

std::string local_socket_directory() {
  const char* runtime = std::getenv("XDG_RUNTIME_DIR");
  return runtime != nullptr && runtime[0] == '/' ? fmt::format("{}/xipc", runtime)
                                                 : fmt::format("/tmp/xipc-{}", ::getuid());
}

std::string local_socket_path(std::string_view name, failure& why, name_kind kind) {
  std::string reason;
  if (validate_name(name, &reason)) {
    why = refuse(errc::invalid_name, std::move(reason));
    return {};
  }
  const std::string directory = local_socket_directory();
  if (!private_directory(directory, why)) return {};
  std::string path = fmt::format("{}/{}", directory, os_name(kind, name));
  if (path.size() > max_path_bytes) {
    const char* prefix = kind == name_kind::port ? "port:" : "";
    path = fmt::format("{}/{}{}.{:016x}.sock", directory, prefix, name.substr(0, 8), stable_hash(name));
  }
  if (path.size() > max_path_bytes) {
    why = refuse(errc::invalid_name, fmt::format("the socket directory {} leaves no room for a name", directory));
    return {};
  }
  return path;
}

native_handle_type local_listen(const std::string& path, local_socket_kind kind, failure& why) {
  const int fd = new_socket(kind, why);
  if (fd < 0) return invalid_native_handle;
  // A named pipe belongs to its user: the file is 0600 whatever the umask
  // (and the directory it is in lets nobody else in anyway).
  const permissions owner_only = permissions::owner_only();
  prepare_local_bind(fd, owner_only);
  const sockaddr_un address = address_of(path);
  for (int attempt = 0;; ++attempt) {
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0) break;
    if (errno != EADDRINUSE || attempt > 2) {
      why = os_failure(fmt::format("bind(\"{}\")", path), errno);
      ::close(fd);
      return invalid_native_handle;
    }
    // Only a stale socket file is replaced; a live server is asked without a
    // connection it would have to accept (clear_stale_socket_file).
    if (!clear_stale_socket_file(path, socket_type(kind), why)) {
      if (why.code == errc::already_exists) {
        why = refuse(errc::already_exists, fmt::format("a server is already listening at {} ({})", path, why.detail));
      }
      ::close(fd);
      return invalid_native_handle;
    }
  }
  if (!set_socket_file_mode(path, owner_only, why)) {
    ::close(fd);
    ::unlink(path.c_str());
    return invalid_native_handle;
  }
  if (::listen(fd, SOMAXCONN) != 0) {
    why = os_failure(fmt::format("listen(\"{}\")", path), errno);
    ::close(fd);
    ::unlink(path.c_str());
    return invalid_native_handle;
  }
  return fd;
}

native_handle_type local_connect(const std::string& path, local_socket_kind kind, deadline until, failure& why) {
  const sockaddr_un address = address_of(path);
  auto pause = std::chrono::duration_cast<std::chrono::nanoseconds>(backlog_retry_first);
  for (;;) {
    const int fd = new_socket(kind, why);
    if (fd < 0) return invalid_native_handle;
    if (retry_on_eintr([&] { return ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address); }) == 0) {
      if (const std::error_code error = set_connected_mode(fd)) {
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

}  // namespace xipc::detail
