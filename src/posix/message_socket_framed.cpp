// posix/message_socket.hpp where AF_UNIX has no SOCK_SEQPACKET (macOS): the
// twin of linux/message_socket_seqpacket.cpp. Each message is a frame on a
// stream socket: its length (4 bytes, this machine's byte order), then its
// bytes; descriptors travel with the frame's first byte.
//
// A message is taken only once all of it has arrived, so that a receive
// whose deadline passes takes nothing and the next finds the frame whole:
// the wait sets SO_RCVLOWAT to the frame's size, so that poll sleeps until
// then where the system honours it (macOS, the BSDs; Linux's Unix-domain
// sockets ignore it, and the wait falls back to short sleeps). Both buffers
// are sized for the largest message, and SO_SNDLOWAT (where it can be set)
// makes a send that would not fit whole wait instead of going in part.
// Should a send still go in part and its deadline pass before the rest
// went (a system that splits it anyway), the rest cannot be taken back: the
// connection is shut down, and the peer sees it end.
#include "posix/message_socket.hpp"

#include <fmt/format.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdint>
#include <cstring>
#include <limits>
#include <thread>

#include "backend/named_pipe_io.hpp"
#include "backend/os_error.hpp"
#include "net/socket_io.hpp"
#include "posix/new_descriptor.hpp"
#include "posix/stream_io.hpp"

namespace xipc::detail {
namespace {

using frame_length = std::uint32_t;
constexpr std::size_t prefix_bytes = sizeof(frame_length);
// Each frame's parts: the length, then at most this many of the caller's.
constexpr std::size_t most_parts = 8;

// How long the fallback sleeps while a frame is still arriving.
constexpr auto arrival_pause_first = std::chrono::microseconds(20);
constexpr auto arrival_pause_longest = std::chrono::milliseconds(1);

std::size_t buffered(int socket) noexcept {
  int count = 0;
  if (::ioctl(socket, FIONREAD, &count) != 0 || count < 0) return 0;
  return static_cast<std::size_t>(count);
}

// Waits until `count` bytes are buffered on `socket`, or the peer is gone
// (errc::peer_closed), or the deadline passes.
std::error_code wait_buffered(int socket, std::size_t count, deadline until) noexcept {
  if (buffered(socket) >= count) return {};
  const int low_water = count > static_cast<std::size_t>(INT_MAX) ? INT_MAX : static_cast<int>(count);
  const bool low_water_set = ::setsockopt(socket, SOL_SOCKET, SO_RCVLOWAT, &low_water, sizeof low_water) == 0;
  auto pause = std::chrono::duration_cast<std::chrono::nanoseconds>(arrival_pause_first);
  std::error_code result;
  for (;;) {
    const std::size_t before = buffered(socket);
    if (before >= count) break;
    if (until.is_immediate() || until.expired()) {
      result = make_error_code(until.is_immediate() ? errc::would_block : errc::timed_out);
      break;
    }
    pollfd entry{socket, POLLIN, 0};
    const int ready = ::poll(&entry, 1, until.remaining_poll_ms());
    if (ready < 0 && errno != EINTR) {
      result = error_from_os(errno);
      break;
    }
    if (ready > 0 && (entry.revents & (POLLHUP | POLLERR)) != 0 && buffered(socket) < count) {
      result = make_error_code(errc::peer_closed);  // a frame cut short by the peer's end
      break;
    }
    // Ready, but the frame is not all here: the system does not honour the
    // low-water mark in poll (Linux). Sleep a little while it arrives.
    if (ready > 0 && buffered(socket) <= before) {
      std::this_thread::sleep_for(std::min<std::chrono::nanoseconds>(pause, until.remaining()));
      pause = std::min<std::chrono::nanoseconds>(pause * 2, arrival_pause_longest);
    }
  }
  if (low_water_set) {
    const int one = 1;
    ::setsockopt(socket, SOL_SOCKET, SO_RCVLOWAT, &one, sizeof one);
  }
  return result;
}

// One recvmsg that does not wait, into `message`.
io_result receive_now(int socket, msghdr& message) noexcept {
  for (;;) {
    const ssize_t got = receive_with_descriptors(socket, &message, MSG_DONTWAIT);
    if (got > 0) return {static_cast<std::size_t>(got), {}};
    if (got == 0) return {0, make_error_code(errc::peer_closed)};
    if (errno != EINTR) return {0, errno == EAGAIN ? make_error_code(errc::corrupted) : error_from_os(errno)};
  }
}

// Moves `parts` on past `done` bytes, dropping the ones used up.
std::span<iovec> advance(std::span<iovec> parts, std::size_t done) noexcept {
  while (!parts.empty() && done >= parts.front().iov_len) {
    done -= parts.front().iov_len;
    parts = parts.subspan(1);
  }
  if (!parts.empty()) {
    parts.front().iov_base = static_cast<std::byte*>(parts.front().iov_base) + done;
    parts.front().iov_len -= done;
  }
  return parts;
}

}  // namespace

int message_socket_type() noexcept { return SOCK_STREAM; }

bool size_message_socket(int socket, std::size_t max_message_bytes, failure& why) {
  if (max_message_bytes > std::numeric_limits<frame_length>::max() - prefix_bytes) {
    why = refuse(errc::invalid_argument, fmt::format("max_message_bytes {} is above the {} bytes a frame can hold",
                                                     max_message_bytes,
                                                     std::numeric_limits<frame_length>::max() - prefix_bytes));
    return false;
  }
  // Room for the largest frame, and some for the system's bookkeeping (Linux
  // charges a stream's buffers per packet, not per byte).
  const std::size_t frame = max_message_bytes + prefix_bytes;
  const std::size_t needed = frame + frame / 16 + 4096;
  const int asked = needed > static_cast<std::size_t>(INT_MAX) ? INT_MAX : static_cast<int>(needed);
  for (const int option : {SO_SNDBUF, SO_RCVBUF}) {
    int size = 0;
    socklen_t length = sizeof size;
    if (::getsockopt(socket, SOL_SOCKET, option, &size, &length) == 0 && static_cast<std::size_t>(size) >= needed) {
      continue;
    }
    ::setsockopt(socket, SOL_SOCKET, option, &asked, sizeof asked);
    length = sizeof size;
    if (::getsockopt(socket, SOL_SOCKET, option, &size, &length) != 0 || static_cast<std::size_t>(size) < needed) {
      why = refuse(errc::invalid_argument,
                   fmt::format("max_message_bytes {} is above what a socket here can hold at once ({} needs {} bytes, "
                               "the system gives {}; raise the socket buffer limit: kern.ipc.maxsockbuf on macOS, "
                               "net.core.wmem_max and rmem_max on Linux; or send smaller messages)",
                               max_message_bytes, option == SO_SNDBUF ? "SO_SNDBUF" : "SO_RCVBUF", needed, size));
      return false;
    }
  }
  // A send waits until a whole frame fits (ignored where it cannot be set: Linux).
  const int low_water = static_cast<int>(std::min<std::size_t>(frame, static_cast<std::size_t>(asked)));
  ::setsockopt(socket, SOL_SOCKET, SO_SNDLOWAT, &low_water, sizeof low_water);
  return true;
}

std::error_code message_socket_send(int socket, std::span<const iovec> parts, std::span<std::byte> control,
                                    deadline until) noexcept {
  if (parts.size() + 1 > most_parts) return make_error_code(errc::invalid_argument);
  std::size_t total = 0;
  for (const iovec& part : parts) total += part.iov_len;
  if (total == 0 || total > std::numeric_limits<frame_length>::max()) return make_error_code(errc::invalid_argument);
  const auto length = static_cast<frame_length>(total);
  std::array<iovec, most_parts> vectors{};
  vectors[0] = {const_cast<frame_length*>(&length), prefix_bytes};
  std::copy(parts.begin(), parts.end(), vectors.begin() + 1);
  std::span<iovec> left(vectors.data(), parts.size() + 1);
  msghdr message{};
  message.msg_iov = left.data();
  message.msg_iovlen = static_cast<decltype(message.msg_iovlen)>(left.size());
  if (!control.empty()) {
    message.msg_control = control.data();
    message.msg_controllen = static_cast<decltype(message.msg_controllen)>(control.size());
  }
  // The first piece, with the descriptors: nothing has gone until it does.
  ssize_t sent = -1;
  for (;;) {
    sent = ::sendmsg(socket, &message, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (sent >= 0) break;
    if (errno == EINTR) continue;
    if (errno == EMSGSIZE) return make_error_code(errc::message_too_large);
    if (errno == EBADF && !control.empty()) return make_error_code(errc::invalid_argument);  // a closed object
    if (errno != EAGAIN) return error_from_os(errno);
    if (const std::error_code ec = wait_writable(socket, until)) return ec;
  }
  // The rest, if the system took it in part.
  left = advance(left, static_cast<std::size_t>(sent));
  while (!left.empty()) {
    const io_result put = socket_write_some(
        socket, std::span(static_cast<const std::byte*>(left.front().iov_base), left.front().iov_len), until);
    if (put.error) {
      ::shutdown(socket, SHUT_RDWR);  // half a message is in the stream: nothing after it can be read right
      return put.error;
    }
    left = advance(left, put.bytes);
  }
  return {};
}

io_result message_socket_peek(int socket, std::span<std::byte> head, deadline until) noexcept {
  if (const std::error_code ec = wait_buffered(socket, prefix_bytes, until)) return {0, ec};
  frame_length length = 0;
  for (;;) {
    const ssize_t got = ::recv(socket, &length, prefix_bytes, MSG_PEEK | MSG_DONTWAIT);
    if (got == static_cast<ssize_t>(prefix_bytes)) break;
    if (got == 0) return {0, make_error_code(errc::peer_closed)};
    if (got < 0 && errno != EINTR) return {0, errno == EAGAIN ? make_error_code(errc::corrupted) : error_from_os(errno)};
  }
  if (length == 0) return {0, make_error_code(errc::corrupted)};  // messages are never empty
  const std::size_t wanted = std::min<std::size_t>(head.size(), length);
  if (wanted > 0) {
    if (const std::error_code ec = wait_buffered(socket, prefix_bytes + wanted, until)) return {0, ec};
    std::array<iovec, 2> parts{iovec{&length, prefix_bytes}, iovec{head.data(), wanted}};
    msghdr message{};
    message.msg_iov = parts.data();
    message.msg_iovlen = 2;
    for (;;) {
      const ssize_t got = ::recvmsg(socket, &message, MSG_PEEK | MSG_DONTWAIT);
      if (got == static_cast<ssize_t>(prefix_bytes + wanted)) break;
      if (got >= 0) return {0, make_error_code(errc::corrupted)};
      if (errno != EINTR) return {0, error_from_os(errno)};
    }
  }
  return {length, {}};
}

io_result message_socket_take(int socket, msghdr& message, std::size_t size, deadline until) noexcept {
  if (static_cast<std::size_t>(message.msg_iovlen) + 1 > most_parts) return {0, make_error_code(errc::invalid_argument)};
  // All of it first: then nothing below waits, and a deadline takes nothing.
  if (const std::error_code ec = wait_buffered(socket, prefix_bytes + size, until)) return {0, ec};
  frame_length length = 0;
  std::array<iovec, most_parts> vectors{};
  vectors[0] = {&length, prefix_bytes};
  const auto count = static_cast<std::size_t>(message.msg_iovlen);
  std::copy(message.msg_iov, message.msg_iov + count, vectors.begin() + 1);
  std::span<iovec> left(vectors.data(), count + 1);
  // The descriptors come with the first byte: the first read takes them.
  msghdr first = message;
  first.msg_iov = left.data();
  first.msg_iovlen = static_cast<decltype(first.msg_iovlen)>(left.size());
  io_result got = receive_now(socket, first);
  if (got.error) return got;
  message.msg_controllen = first.msg_controllen;
  message.msg_flags = first.msg_flags;
  std::size_t done = got.bytes;
  left = advance(left, got.bytes);
  while (!left.empty()) {
    msghdr rest{};
    rest.msg_iov = left.data();
    rest.msg_iovlen = static_cast<decltype(rest.msg_iovlen)>(left.size());
    got = receive_now(socket, rest);
    if (got.error) return got;
    done += got.bytes;
    left = advance(left, got.bytes);
  }
  if (done != prefix_bytes + size || length != size) return {0, make_error_code(errc::corrupted)};
  return {size, {}};
}

void message_socket_drop(int socket, std::size_t size) noexcept {
  std::size_t left = prefix_bytes + size;
  if (wait_buffered(socket, left, deadline::after(std::chrono::seconds(1)))) {
    ::shutdown(socket, SHUT_RDWR);  // it never came whole: the stream cannot be read on
    return;
  }
  std::array<std::byte, 4096> sink;
  alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(int) * 64)> control{};
  while (left > 0) {
    iovec part{sink.data(), std::min(left, sink.size())};
    msghdr message{};
    message.msg_iov = &part;
    message.msg_iovlen = 1;
    message.msg_control = control.data();
    message.msg_controllen = static_cast<decltype(message.msg_controllen)>(control.size());
    const io_result got = receive_now(socket, message);
    if (got.error) return;
    close_received_descriptors(message);
    left -= got.bytes;
  }
}

std::error_code named_pipe_send(native_handle_type pipe, std::span<const std::byte> message, deadline until) noexcept {
  const iovec part{const_cast<std::byte*>(message.data()), message.size()};
  return message_socket_send(pipe, std::span(&part, 1), {}, until);
}

namespace {

io_result receive_framed(int pipe, std::span<std::byte> buffer, bool keep_larger, deadline until) noexcept {
  const io_result size = message_socket_peek(pipe, {}, until);
  if (size.error) return size;
  if (size.bytes > buffer.size()) {
    if (keep_larger) return {size.bytes, make_error_code(errc::message_too_large)};
    message_socket_drop(pipe, size.bytes);
    return {0, make_error_code(errc::corrupted)};
  }
  iovec part{buffer.data(), size.bytes};
  msghdr message{};
  message.msg_iov = &part;
  message.msg_iovlen = 1;
  return message_socket_take(pipe, message, size.bytes, until);
}

}  // namespace

// The frame's length is read first anyway: a message too large for the buffer stays, and `held` is never used.
io_result named_pipe_receive(native_handle_type pipe, std::span<std::byte> buffer, std::size_t /*max_message_bytes*/,
                             std::vector<std::byte>& /*held*/, deadline until) noexcept {
  return receive_framed(pipe, buffer, true, until);
}

io_result named_pipe_receive_bounded(native_handle_type pipe, std::span<std::byte> buffer, deadline until) noexcept {
  return receive_framed(pipe, buffer, false, until);
}

}  // namespace xipc::detail
