// The data transfer every socket type shares, written once over socket_api.hpp.
#include "net/socket_io.hpp"

#include <cstdint>

namespace xipc::detail {
namespace {

// send and recv take char* on Windows and void* on POSIX: char* suits both.
char* chars(std::byte* data) noexcept { return reinterpret_cast<char*>(data); }
const char* chars(const std::byte* data) noexcept { return reinterpret_cast<const char*>(data); }

}  // namespace

bool set_socket_option(os_socket socket, int level, int name, int value) noexcept {
  return ::setsockopt(socket, level, name, reinterpret_cast<const char*>(&value), sizeof value) == 0;
}

native_handle_type socket_accept(native_handle_type listener, deadline until, std::error_code& error) noexcept {
  for (;;) {
    const os_socket accepted = accept_connection(to_os_socket(listener));
    if (accepted != invalid_os_socket) return from_os_socket(accepted);
    const int code = last_socket_error();
    if (code == socket_interrupted || aborted_before_accept(code)) continue;
    if (code != socket_would_block) {
      error = socket_error_code(code);
      return invalid_native_handle;
    }
    if ((error = wait_socket(listener, false, until))) return invalid_native_handle;
  }
}

io_result socket_read_some(native_handle_type socket, std::span<std::byte> buffer, deadline until) noexcept {
  if (buffer.empty()) return {};
  for (;;) {
    const auto got = ::recv(to_os_socket(socket), chars(buffer.data()), socket_io_size(buffer.size()),
                            socket_attempt_flags(until));
    if (got > 0) return {static_cast<std::size_t>(got), {}};
    if (got == 0) return {0, make_error_code(errc::end_of_stream)};
    const int code = last_socket_error();
    if (code == socket_interrupted) continue;
    if (code != socket_would_block) return {0, socket_error_code(code)};
    if (const std::error_code ec = wait_socket(socket, false, until)) return {0, ec};
  }
}

io_result socket_write_some(native_handle_type socket, std::span<const std::byte> data, deadline until) noexcept {
  if (data.empty()) return {};
  for (;;) {
    const auto sent = ::send(to_os_socket(socket), chars(data.data()), socket_io_size(data.size()),
                             no_sigpipe | socket_attempt_flags(until));
    if (sent >= 0) return {static_cast<std::size_t>(sent), {}};
    const int code = last_socket_error();
    if (code == socket_interrupted) continue;
    if (code != socket_would_block) return {0, socket_error_code(code)};
    if (const std::error_code ec = wait_socket(socket, true, until)) return {0, ec};
  }
}

std::error_code socket_send_message(native_handle_type socket, std::span<const std::byte> message, deadline until,
                                   const socket_address* to) noexcept {
  for (;;) {
    if (::sendto(to_os_socket(socket), chars(message.data()), socket_io_size(message.size()),
                 no_sigpipe | socket_attempt_flags(until), to != nullptr ? to->get() : nullptr,
                 to != nullptr ? to->length : 0) >= 0) {
      return {};
    }
    const int code = last_socket_error();
    if (code == socket_interrupted) continue;
    if (connection_refused(code)) return make_error_code(errc::not_found);
    if (code != socket_would_block) return socket_error_code(code);
    if (const std::error_code ec = wait_socket(socket, true, until)) return ec;
  }
}

namespace {

// One message, peeked first when it might not fit. A message of 0 bytes is
// the end of a seqpacket stream, and an empty datagram.
io_result receive_one(native_handle_type socket, std::span<std::byte> buffer, std::size_t largest_expected,
                      deadline until, bool datagram, socket_address* from) noexcept {
  // Peeking costs a system call: only when the message might not fit.
  const int peek = buffer.size() < largest_expected ? MSG_PEEK : 0;
  for (;;) {
    if (from != nullptr) from->length = sizeof from->storage;
    const long long size = receive_attempt(to_os_socket(socket), buffer, peek | socket_attempt_flags(until),
                                           from != nullptr ? &from->storage : nullptr,
                                           from != nullptr ? &from->length : nullptr);
    if (size > 0 || (size == 0 && datagram)) {
      const auto bytes = static_cast<std::size_t>(size);
      if (bytes > buffer.size()) {
        // Peeked: the message stays. Not peeked: the peer broke the agreed maximum and the message is lost.
        return {bytes, make_error_code(peek != 0 ? errc::message_too_large : errc::corrupted)};
      }
      if (peek != 0) {
        // It fits: now take it, without waiting (another reader may have been quicker).
        if (receive_attempt(to_os_socket(socket), buffer, socket_attempt_flags(deadline::immediately()), nullptr,
                            nullptr) < 0) {
          const int code = last_socket_error();
          if (code == socket_would_block || code == socket_interrupted) continue;
          return {0, socket_error_code(code)};
        }
      }
      return {bytes, {}};
    }
    if (size == 0) return {0, make_error_code(errc::peer_closed)};  // zero-length messages are refused at send
    const int code = last_socket_error();
    if (code == socket_interrupted) continue;
    if (code != socket_would_block) return {0, socket_error_code(code)};
    if (const std::error_code ec = wait_socket(socket, false, until)) return {0, ec};
  }
}

}  // namespace

io_result socket_receive_message(native_handle_type socket, std::span<std::byte> buffer, std::size_t largest_expected,
                                deadline until) noexcept {
  return receive_one(socket, buffer, largest_expected, until, false, nullptr);
}

io_result socket_receive_datagram(native_handle_type socket, std::span<std::byte> buffer, deadline until,
                                  socket_address* from) noexcept {
  // A datagram's sender sets no maximum we could rely on: always peek the size.
  return receive_one(socket, buffer, SIZE_MAX, until, true, from);
}

}  // namespace xipc::detail
