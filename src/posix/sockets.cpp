// The POSIX side of sockets (socket_io.hpp): BSD sockets with SOCK_CLOEXEC,
// blocking once connected, MSG_TRUNC for a datagram's size, SO_PEERCRED.
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "socket_io.hpp"
#include "stream_io.hpp"

namespace xipc::detail {

os_socket open_socket(int domain, int type, bool non_blocking) noexcept {
  return ::socket(domain, type | SOCK_CLOEXEC | (non_blocking ? SOCK_NONBLOCK : 0), 0);
}

os_socket accept_connection(os_socket listener) noexcept {
  // The listener is non-blocking (accept takes no MSG_DONTWAIT); without
  // SOCK_NONBLOCK the connection accept4 gives is blocking, as connected sockets are here.
  return ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
}

std::error_code set_connected_mode(native_handle_type socket) noexcept {
  const int flags = ::fcntl(socket, F_GETFL);
  if (flags < 0) return error_from_errno(errno);
  if ((flags & O_NONBLOCK) != 0 && ::fcntl(socket, F_SETFL, flags & ~O_NONBLOCK) != 0) return error_from_errno(errno);
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

std::uint64_t socket_file_id(const std::string& path) noexcept {
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) return 0;
  return (static_cast<std::uint64_t>(info.st_dev) * 0x9E3779B97F4A7C15ull) ^ static_cast<std::uint64_t>(info.st_ino);
}

void remove_socket_file(const std::string& path) noexcept { ::unlink(path.c_str()); }

std::error_code peer_credentials_of(native_handle_type socket, peer_credentials& out) noexcept {
  ucred credentials{};
  socklen_t length = sizeof credentials;
  if (::getsockopt(socket, SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0) return error_from_errno(errno);
  out = {credentials.pid, credentials.uid, credentials.gid};
  return {};
}

}  // namespace xipc::detail
