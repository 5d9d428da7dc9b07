// posix/message_socket.hpp with SOCK_SEQPACKET: the kernel keeps message
// boundaries, so a message is one sendmsg and one recvmsg. The twin of
// posix/message_socket_framed.cpp.
#include "posix/message_socket.hpp"

#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstring>
#include <vector>

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

namespace {

// Up to this buffer size, a receive takes a message with recv into the spill
// area (below) and copies it out, instead of recvmsg into the buffer and the
// spill area: measured on this Linux 6.x KVM guest, recvmsg cost about 110 ns more than
// recv, and copying 2 KiB costs less than that.
constexpr std::size_t staged_receive_limit = 2048;

// Where the part of a message beyond the caller's buffer lands when a receive
// takes it without peeking at its size: room for the largest message an
// unprivileged peer can send (SO_SNDBUF is capped at twice wmem_max), mapped
// once per receiving thread and touched only by a message that needs it.
class spill_area {
 public:
  spill_area() noexcept {
    const long wmem_max = read_system_limit("/proc/sys/net/core/wmem_max");
    const std::size_t bytes = wmem_max > 0 ? 2 * static_cast<std::size_t>(wmem_max) : std::size_t{4} << 20;
    void* mapped = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (mapped != MAP_FAILED) memory_ = {static_cast<std::byte*>(mapped), bytes};
  }
  ~spill_area() {
    if (!memory_.empty()) ::munmap(memory_.data(), memory_.size());
  }
  spill_area(const spill_area&) = delete;
  spill_area& operator=(const spill_area&) = delete;

  std::span<std::byte> memory() const noexcept { return memory_; }
  // Gives back the pages a spilled message touched.
  void release(std::size_t used) const noexcept {
    const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    ::madvise(memory_.data(), (std::min(used, memory_.size()) + page - 1) / page * page, MADV_DONTNEED);
  }

 private:
  std::span<std::byte> memory_;
};

// A message of `size` bytes, the first buffer.size() of them in `buffer` and
// the rest in `spill`, moved into `held`.
io_result hold(std::span<const std::byte> buffer, const spill_area& spill, std::size_t size,
               std::vector<std::byte>& held) noexcept {
  try {
    held.resize(size);
  } catch (...) {
    spill.release(size - buffer.size());
    return {size, std::make_error_code(std::errc::not_enough_memory)};  // lost: it was taken already
  }
  // An empty buffer (a staged receive: the whole message is in the spill
  // area) may have no data pointer, which memcpy must not be given.
  if (!buffer.empty()) std::memcpy(held.data(), buffer.data(), buffer.size());
  std::memcpy(held.data() + buffer.size(), spill.memory().data(), size - buffer.size());
  spill.release(size - buffer.size());
  return {size, make_error_code(errc::message_too_large)};
}

}  // namespace

io_result named_pipe_receive(native_handle_type pipe, std::span<std::byte> buffer, std::size_t max_message_bytes,
                             std::vector<std::byte>& held, deadline until) noexcept {
  // A buffer below this end's maximum peeks at the size first, so that a
  // message too large for it stays queued: one more system call.
  if (buffer.size() < max_message_bytes) return socket_receive_message(pipe, buffer, SIZE_MAX, until);
  // A buffer this large takes the message in one call. The peer's maximum is
  // its own, so a larger message may still come: its rest lands in the
  // spill area, and the whole of it is held for the next receive.
  thread_local const spill_area spill;
  if (spill.memory().empty()) return socket_receive_message(pipe, buffer, SIZE_MAX, until);
  // A small buffer: the message goes into the spill area with recv, and is
  // copied out. recvmsg costs more than recv and a copy of up to this many
  // bytes (docs/pipes.md, "Message mode").
  const bool staged = buffer.size() <= staged_receive_limit;
  iovec parts[2] = {{buffer.data(), buffer.size()}, {spill.memory().data(), spill.memory().size()}};
  msghdr message{};
  message.msg_iov = parts;
  message.msg_iovlen = 2;
  for (;;) {
    const ssize_t got = staged ? ::recv(pipe, spill.memory().data(), spill.memory().size(),
                                        MSG_TRUNC | socket_attempt_flags(until))
                               : ::recvmsg(pipe, &message, MSG_TRUNC | socket_attempt_flags(until));
    // Messages are never empty here: 0 bytes is the end of the connection.
    if (got == 0) return {0, make_error_code(errc::peer_closed)};
    if (got > 0) {
      const auto size = static_cast<std::size_t>(got);
      if (staged && size <= buffer.size()) {
        std::memcpy(buffer.data(), spill.memory().data(), size);
        return {size, {}};
      }
      if (size <= buffer.size()) return {size, {}};
      // Longer than buffer and spill together: a privileged peer's forced
      // send buffer. Nothing can keep it now.
      if (staged ? size > spill.memory().size() : (message.msg_flags & MSG_TRUNC) != 0) {
        return {size, make_error_code(errc::corrupted)};
      }
      return staged ? hold({}, spill, size, held) : hold(buffer, spill, size, held);
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN) return {0, error_from_os(errno)};
    if (const std::error_code ec = wait_readable(pipe, until)) return {0, ec};
  }
}

io_result named_pipe_receive_bounded(native_handle_type pipe, std::span<std::byte> buffer, deadline until) noexcept {
  return socket_receive_message(pipe, buffer, buffer.size(), until);
}

}  // namespace xipc::detail
