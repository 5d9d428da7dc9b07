// posix/message_socket.hpp with SOCK_SEQPACKET: the kernel keeps message
// boundaries, so a message is one sendmsg and one recvmsg. The twin of
// posix/message_socket_framed.cpp.
#include "posix/message_socket.hpp"

#include <fmt/format.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <climits>
#include <cstdint>

#include "backend/named_pipe_io.hpp"
#include "backend/os_error.hpp"
#include "net/socket_io.hpp"
#include "posix/new_descriptor.hpp"
#include "posix/stream_io.hpp"
#include "posix/system_limit.hpp"

namespace xipc::detail {
namespace {

// What Linux keeps of a seqpacket socket's send buffer for bookkeeping: a
// message may be at most SO_SNDBUF - 32 bytes (net/unix/af_unix.c).
constexpr std::size_t send_buffer_overhead = 32;

}  // namespace

int message_socket_type() noexcept { return SOCK_SEQPACKET; }

// Sizes the send buffer for the largest message, or says which system limit
// stops it (the kernel caps SO_SNDBUF at twice net.core.wmem_max for an
// unprivileged process).
bool size_message_socket(int socket, std::size_t max_message_bytes, failure& why) {
  const std::size_t needed = max_message_bytes + send_buffer_overhead;
  int size = 0;
  socklen_t length = sizeof size;
  if (::getsockopt(socket, SOL_SOCKET, SO_SNDBUF, &size, &length) == 0 && static_cast<std::size_t>(size) >= needed) {
    return true;
  }
  // The kernel doubles what it is given; ask for half, rounded up.
  const int asked = needed / 2 + 1 > static_cast<std::size_t>(INT_MAX) ? INT_MAX : static_cast<int>(needed / 2 + 1);
  ::setsockopt(socket, SOL_SOCKET, SO_SNDBUF, &asked, sizeof asked);
  length = sizeof size;
  if (::getsockopt(socket, SOL_SOCKET, SO_SNDBUF, &size, &length) == 0 && static_cast<std::size_t>(size) >= needed) {
    return true;
  }
  why = refuse(errc::invalid_argument,
               fmt::format("max_message_bytes {} is above what a socket here can carry in one message "
                           "({} bytes: SO_SNDBUF {} - {}; raise /proc/sys/net/core/wmem_max ({}) or send "
                           "smaller messages)",
                           max_message_bytes,
                           size > static_cast<int>(send_buffer_overhead) ? size - static_cast<int>(send_buffer_overhead) : 0,
                           size, send_buffer_overhead, read_system_limit("/proc/sys/net/core/wmem_max")));
  return false;
}

std::error_code message_socket_send(int socket, std::span<const iovec> parts, std::span<std::byte> control,
                                    deadline until) noexcept {
  msghdr message{};
  message.msg_iov = const_cast<iovec*>(parts.data());
  message.msg_iovlen = static_cast<decltype(message.msg_iovlen)>(parts.size());
  if (!control.empty()) {
    message.msg_control = control.data();
    message.msg_controllen = static_cast<decltype(message.msg_controllen)>(control.size());
  }
  for (;;) {
    if (::sendmsg(socket, &message, MSG_NOSIGNAL | socket_attempt_flags(until)) >= 0) return {};
    if (errno == EINTR) continue;
    if (errno == EMSGSIZE) return make_error_code(errc::message_too_large);
    if (errno == EBADF && !control.empty()) return make_error_code(errc::invalid_argument);  // a closed object
    if (errno != EAGAIN) return error_from_os(errno);
    if (const std::error_code ec = wait_writable(socket, until)) return ec;
  }
}

io_result message_socket_peek(int socket, std::span<std::byte> head, deadline until) noexcept {
  for (;;) {
    const ssize_t size = ::recv(socket, head.data(), head.size(), MSG_PEEK | MSG_TRUNC | socket_attempt_flags(until));
    // Messages are never empty here: 0 bytes is the end of the connection.
    if (size == 0) return {0, make_error_code(errc::peer_closed)};
    if (size > 0) return {static_cast<std::size_t>(size), {}};
    if (errno == EINTR) continue;
    if (errno != EAGAIN) return {0, error_from_os(errno)};
    if (const std::error_code ec = wait_readable(socket, until)) return {0, ec};
  }
}

io_result message_socket_take(int socket, msghdr& message, std::size_t /*size*/, deadline /*until*/) noexcept {
  for (;;) {
    const ssize_t got = receive_with_descriptors(socket, &message, MSG_DONTWAIT);
    if (got >= 0) return {static_cast<std::size_t>(got), {}};
    if (errno == EINTR) continue;
    return {0, errno == EAGAIN ? make_error_code(errc::would_block) : error_from_os(errno)};
  }
}

void message_socket_drop(int socket, std::size_t /*size*/) noexcept {
  std::byte byte{};
  iovec part{&byte, 1};
  alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(int) * 64)> control{};
  msghdr message{};
  message.msg_iov = &part;
  message.msg_iovlen = 1;
  message.msg_control = control.data();
  message.msg_controllen = control.size();
  if (receive_with_descriptors(socket, &message, MSG_TRUNC | MSG_DONTWAIT) < 0) return;
  close_received_descriptors(message);
}

std::error_code named_pipe_send(native_handle_type pipe, std::span<const std::byte> message, deadline until) noexcept {
  return socket_send_message(pipe, message, until);
}

io_result named_pipe_receive(native_handle_type pipe, std::span<std::byte> buffer, std::size_t /*max_message_bytes*/,
                             deadline until) noexcept {
  // The peer's limit is its own: a message above ours may come. Always
  // peeking at the size first keeps such a message queued, whole, at the
  // cost of one more system call per receive.
  return socket_receive_message(pipe, buffer, SIZE_MAX, until);
}

io_result named_pipe_receive_bounded(native_handle_type pipe, std::span<std::byte> buffer, deadline until) noexcept {
  return socket_receive_message(pipe, buffer, buffer.size(), until);
}

}  // namespace xipc::detail
