// Handle passing on POSIX: the frame's bytes with sendmsg/recvmsg, the
// descriptors beside them as SCM_RIGHTS, over a local socket or a named pipe
// (a Unix-domain socket too), and the check that each received descriptor
// is what the frame says before it becomes an object.
#include <xipc/handle_passing.hpp>
#include <xipc/detail/config.hpp>

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include <array>
#include <cstring>
#include <vector>

#include "net/handle_frame.hpp"
#include "posix/local_socket.hpp"
#include "posix/message_socket.hpp"
#include "posix/new_descriptor.hpp"
#include "net/socket_io.hpp"
#include "posix/os_error.hpp"
#include "posix/stream_io.hpp"

namespace xipc {
namespace {

using detail::handle_frame_header;
using detail::received_handle;

constexpr std::size_t control_bytes = CMSG_SPACE(sizeof(int) * max_passed_handles);

// Control-message space, aligned for cmsghdr.
struct control_buffer {
  alignas(cmsghdr) std::array<char, control_bytes> bytes{};
};

// The descriptors that arrived with a message, owned at once so that none leaks.
struct arrivals {
  std::vector<received_handle> handles;
  bool truncated = false;

  void collect(msghdr& message) {
    for (cmsghdr* header = CMSG_FIRSTHDR(&message); header != nullptr; header = CMSG_NXTHDR(&message, header)) {
      if (header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_RIGHTS) continue;
      const std::size_t count = (header->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (std::size_t i = 0; i < count; ++i) {
        int fd = -1;
        std::memcpy(&fd, CMSG_DATA(header) + i * sizeof(int), sizeof fd);
        handles.emplace_back(fd, false);  // every descriptor closes alike
      }
    }
    truncated = truncated || (message.msg_flags & MSG_CTRUNC) != 0;
  }
};

// One recvmsg into `parts`, waiting until `until`; the descriptors go to `into`.
io_result receive_parts(int socket, std::span<iovec> parts, int flags, arrivals& into, deadline until) {
  for (;;) {
    control_buffer control;
    msghdr message{};
    message.msg_iov = parts.data();
    // msg_iovlen and msg_controllen are int and socklen_t on macOS, size_t on Linux.
    message.msg_iovlen = static_cast<decltype(message.msg_iovlen)>(parts.size());
    message.msg_control = control.bytes.data();
    message.msg_controllen = static_cast<decltype(message.msg_controllen)>(control.bytes.size());
    const ssize_t got = detail::receive_with_descriptors(socket, &message, flags | detail::socket_attempt_flags(until));
    if (got >= 0) {
      into.collect(message);
      return {static_cast<std::size_t>(got), {}};
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN) return {0, detail::error_from_os(errno)};
    if (const std::error_code ec = detail::wait_readable(socket, until)) return {0, ec};
  }
}

// Reads exactly `buffer` from a stream: errc::peer_closed when it ends first.
std::error_code read_exactly(int socket, std::span<std::byte> buffer, deadline until) {
  while (!buffer.empty()) {
    const io_result got = detail::socket_read_some(socket, buffer, until);
    if (got.error) return got.error == errc::end_of_stream ? make_error_code(errc::peer_closed) : got.error;
    buffer = buffer.subspan(got.bytes);
  }
  return {};
}

// Sends the frame (header, names, bytes) with the descriptors attached. A
// stream may take it in pieces: the descriptors go with the first.
enum class carrier { stream, datagram, message_socket };

std::error_code send_frame(int socket, const handle_list& handles, std::span<const std::byte> bytes, carrier through,
                           deadline until) {
  const bool stream = through == carrier::stream;
  handle_frame_header header{};
  std::string names;
  if (const std::error_code ec = detail::build_frame(handles, bytes.size(), header, names)) return ec;
  std::array<std::span<const std::byte>, 3> parts{std::as_bytes(std::span(&header, 1)), std::as_bytes(std::span(names)),
                                                  bytes};
  std::array<iovec, 3> vectors{};
  for (std::size_t i = 0; i < parts.size(); ++i) {
    vectors[i] = {const_cast<std::byte*>(parts[i].data()), parts[i].size()};
  }
  control_buffer control;
  msghdr message{};
  message.msg_iov = vectors.data();
  message.msg_iovlen = static_cast<decltype(message.msg_iovlen)>(vectors.size());
  if (handles.size() > 0) {
    message.msg_control = control.bytes.data();
    message.msg_controllen = static_cast<decltype(message.msg_controllen)>(CMSG_SPACE(sizeof(int) * handles.size()));
    cmsghdr* attached = CMSG_FIRSTHDR(&message);
    attached->cmsg_level = SOL_SOCKET;
    attached->cmsg_type = SCM_RIGHTS;
    attached->cmsg_len = static_cast<decltype(attached->cmsg_len)>(CMSG_LEN(sizeof(int) * handles.size()));
    for (std::size_t i = 0; i < handles.size(); ++i) {
      const int fd = handles.entries()[i].handle;
      std::memcpy(CMSG_DATA(attached) + i * sizeof(int), &fd, sizeof fd);
    }
  }
  if (through == carrier::message_socket) {
    return detail::message_socket_send(
        socket, vectors,
        std::span(reinterpret_cast<std::byte*>(control.bytes.data()), static_cast<std::size_t>(message.msg_controllen)),
        until);
  }
  ssize_t sent = 0;
  for (;;) {
    sent = ::sendmsg(socket, &message, MSG_NOSIGNAL | detail::socket_attempt_flags(until));
    if (sent >= 0) break;
    if (errno == EINTR) continue;
    if (errno == EMSGSIZE) return make_error_code(errc::message_too_large);
    if (errno == EBADF && handles.size() > 0) return make_error_code(errc::invalid_argument);  // a closed object
    if (errno != EAGAIN) return detail::error_from_os(errno);
    if (const std::error_code ec = detail::wait_writable(socket, until)) return ec;
  }
  if (!stream) return {};
  // The rest of a stream frame: the descriptors went with the first byte.
  auto done = static_cast<std::size_t>(sent);
  for (std::span<const std::byte> part : parts) {
    const std::size_t skip = std::min(done, part.size());
    done -= skip;
    part = part.subspan(skip);
    while (!part.empty()) {
      const io_result put = detail::socket_write_some(socket, part, until);
      if (put.error) return put.error;
      part = part.subspan(put.bytes);
    }
  }
  return {};
}

// Takes a datagram that is not a valid frame off the queue, closing what it brought.
void discard_datagram(int socket) {
  std::byte byte{};
  iovec part{&byte, 1};
  arrivals dropped;
  static_cast<void>(receive_parts(socket, std::span(&part, 1), MSG_TRUNC | MSG_DONTWAIT, dropped, deadline::immediately()));
}

}  // namespace

namespace detail {

// What kind of descriptor a handle kind must be: the file type, the access
// mode of a pipe end, a socket's domain and type.
bool passed_handle_fits(native_handle_type fd, handle_kind kind, failure& why) {
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    why = os_failure("fstat", errno);
    return false;
  }
  const int access_mode = ::fcntl(fd, F_GETFL) & O_ACCMODE;
  int domain = 0;
  int type = 0;
  if (S_ISSOCK(info.st_mode)) {
    // The address family from the socket's own address: SO_DOMAIN is Linux's only.
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) domain = address.ss_family;
    length = sizeof type;
    ::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &length);
  }
  const bool ip = domain == AF_INET || domain == AF_INET6;
  bool fits = false;
  switch (kind) {
    case handle_kind::shared_memory:
    case handle_kind::anonymous_memory:
      // macOS's fstat of a shared memory object gives its permissions and no file type.
      fits = S_ISREG(info.st_mode) || (XIPC_HAS_SHM_UNTYPED_STAT && (info.st_mode & S_IFMT) == 0);
      break;
    case handle_kind::pipe_reader: fits = S_ISFIFO(info.st_mode) && access_mode == O_RDONLY; break;
    case handle_kind::pipe_writer: fits = S_ISFIFO(info.st_mode) && access_mode == O_WRONLY; break;
    case handle_kind::local_stream: fits = domain == AF_UNIX && type == SOCK_STREAM; break;
    case handle_kind::local_datagram: fits = domain == AF_UNIX && type == SOCK_DGRAM; break;
    case handle_kind::tcp_stream: fits = ip && type == SOCK_STREAM; break;
    case handle_kind::udp_socket: fits = ip && type == SOCK_DGRAM; break;
    case handle_kind::port_right: fits = domain == AF_UNIX && type == message_socket_type(); break;
  }
  if (!fits) {
    why = refuse(errc::corrupted, fmt::format("the sender said {}, but the descriptor is something else "
                                              "(mode {:o}, socket domain {}, type {})",
                                              to_string(kind), info.st_mode & S_IFMT, domain, type));
  }
  return fits;
}

}  // namespace detail

namespace {

// One frame from a stream socket.
io_result receive_stream_frame(int fd, std::span<std::byte> buffer, received_handles& handles, deadline until) {
  handles.clear();
  handle_frame_header header{};
  const auto header_bytes = std::as_writable_bytes(std::span(&header, 1));
  // The descriptors come with the first bytes of the frame.
  iovec first{header_bytes.data(), header_bytes.size()};
  arrivals arrived;
  const io_result got = receive_parts(fd, std::span(&first, 1), 0, arrived, until);
  if (got.error) return got;
  if (got.bytes == 0) return {0, make_error_code(errc::end_of_stream)};
  if (const std::error_code ec = read_exactly(fd, header_bytes.subspan(got.bytes), until)) return {0, ec};
  std::size_t names_bytes = 0;
  std::string reason;
  if (!detail::check_frame(header, names_bytes, reason)) return {0, make_error_code(errc::corrupted)};
  std::string names(names_bytes, '\0');
  if (const std::error_code ec = read_exactly(fd, std::as_writable_bytes(std::span(names)), until)) return {0, ec};
  const std::size_t fits = std::min<std::uint64_t>(header.payload_bytes, buffer.size());
  if (const std::error_code ec = read_exactly(fd, buffer.first(fits), until)) return {0, ec};
  const auto payload = static_cast<std::size_t>(header.payload_bytes);
  if (arrived.truncated) return {payload, make_error_code(errc::message_too_large)};
  if (const std::error_code ec = detail::handle_passing::deliver(handles, header, names, arrived.handles)) {
    return {payload, ec};
  }
  if (fits < header.payload_bytes) return {payload, make_error_code(errc::message_too_large)};
  return {payload, {}};
}

// The next message's size, its first bytes peeked into `head`: a datagram,
// or a message-mode named pipe's message (message_socket.hpp).
io_result peek_message(int fd, carrier from, std::span<std::byte> head, deadline until) {
  if (from == carrier::message_socket) return detail::message_socket_peek(fd, head, until);
  for (;;) {
    const ssize_t size = ::recv(fd, head.data(), head.size(), MSG_PEEK | MSG_TRUNC | detail::socket_attempt_flags(until));
    if (size >= 0) return {static_cast<std::size_t>(size), {}};
    if (errno == EINTR) continue;
    if (errno != EAGAIN) return {0, detail::error_from_os(errno)};
    if (const std::error_code ec = detail::wait_readable(fd, until)) return {0, ec};
  }
}

// One frame from a datagram socket or a message-mode named pipe.
io_result receive_message_frame(int fd, carrier from, std::span<std::byte> buffer, received_handles& handles,
                                deadline until) {
  handles.clear();
  const auto drop = [&](std::size_t size) {
    if (from == carrier::message_socket) {
      detail::message_socket_drop(fd, size);
    } else {
      discard_datagram(fd);
    }
  };
  for (;;) {
    // The size and header first, without the descriptors (no control space:
    // none are installed), so that a message too big for `buffer` stays.
    handle_frame_header header{};
    const auto header_bytes = std::as_writable_bytes(std::span(&header, 1));
    const io_result peeked = peek_message(fd, from, header_bytes, until);
    if (peeked.error) return peeked;
    std::size_t names_bytes = 0;
    std::string reason;
    const std::size_t total = peeked.bytes;
    if (total < header_bytes.size() || !detail::check_frame(header, names_bytes, reason) ||
        total < header_bytes.size() + names_bytes) {
      drop(total);
      return {0, make_error_code(errc::corrupted)};
    }
    const std::size_t payload = total - header_bytes.size() - names_bytes;
    if (payload > buffer.size()) return {payload, make_error_code(errc::message_too_large)};

    std::string names(names_bytes, '\0');
    std::array<iovec, 3> parts{iovec{header_bytes.data(), header_bytes.size()}, iovec{names.data(), names.size()},
                               iovec{buffer.data(), payload}};
    arrivals arrived;
    io_result got;
    if (from == carrier::message_socket) {
      control_buffer control;
      msghdr message{};
      message.msg_iov = parts.data();
      message.msg_iovlen = static_cast<decltype(message.msg_iovlen)>(parts.size());
      message.msg_control = control.bytes.data();
      message.msg_controllen = static_cast<decltype(message.msg_controllen)>(control.bytes.size());
      got = detail::message_socket_take(fd, message, total, until);
      if (!got.error) arrived.collect(message);
    } else {
      got = receive_parts(fd, parts, MSG_DONTWAIT, arrived, deadline::immediately());
    }
    if (got.error == errc::would_block) continue;  // another reader took it: wait for the next
    if (got.error) return got;
    // What was read is what was peeked, unless another reader came between: check it again.
    if (got.bytes != total || !detail::check_frame(header, names_bytes, reason) ||
        got.bytes != header_bytes.size() + names_bytes + payload) {
      return {0, make_error_code(errc::corrupted)};
    }
    if (arrived.truncated) return {payload, make_error_code(errc::message_too_large)};
    if (const std::error_code ec = detail::handle_passing::deliver(handles, header, names, arrived.handles)) {
      return {payload, ec};
    }
    return {payload, {}};
  }
}

}  // namespace

std::error_code send_handles(local_stream& socket, const handle_list& handles, std::span<const std::byte> bytes,
                             deadline until) {
  return send_frame(socket.native_handle(), handles, bytes, carrier::stream, until);
}

std::error_code send_handles(local_datagram& socket, const handle_list& handles, std::span<const std::byte> bytes,
                             deadline until) {
  return send_frame(socket.native_handle(), handles, bytes, carrier::datagram, until);
}

std::error_code send_handles(named_pipe& pipe, const handle_list& handles, std::span<const std::byte> bytes,
                             deadline until) {
  return send_frame(pipe.native_handle(), handles, bytes,
                    pipe.mode() == pipe_mode::byte ? carrier::stream : carrier::message_socket, until);
}

io_result receive_handles(local_stream& socket, std::span<std::byte> buffer, received_handles& handles,
                          deadline until) {
  return receive_stream_frame(socket.native_handle(), buffer, handles, until);
}

io_result receive_handles(local_datagram& socket, std::span<std::byte> buffer, received_handles& handles,
                          deadline until) {
  return receive_message_frame(socket.native_handle(), carrier::datagram, buffer, handles, until);
}

// A named pipe is a stream socket in byte mode and a message socket in message mode.
io_result receive_handles(named_pipe& pipe, std::span<std::byte> buffer, received_handles& handles,
                          deadline until) {
  if (pipe.mode() == pipe_mode::byte) return receive_stream_frame(pipe.native_handle(), buffer, handles, until);
  return receive_message_frame(pipe.native_handle(), carrier::message_socket, buffer, handles, until);
}

}  // namespace xipc
