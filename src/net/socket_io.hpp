// The data transfer every socket type shares, written once over the calls
// each backend makes its own way (backend/sockets.hpp): TCP, UDP,
// Unix-domain sockets, and the POSIX named pipes built on them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include <xipc/concepts.hpp>
#include <xipc/deadline.hpp>
#include <xipc/native_handle.hpp>
#include <xipc/permissions.hpp>
#include <xipc/sockets.hpp>

#include "core/setup_error.hpp"
#include "backend/sockets.hpp"
#include "net/socket_api.hpp"

namespace xipc::detail {

// Whether a socket of `type` at `path` accepts or receives: a connect that is
// not refused. The fallback liveness probe (socket_io.cpp, every OS).
bool socket_file_answers(const std::string& path, int type) noexcept;

// An option with an int value (setsockopt's argument types differ per OS).
bool set_socket_option(os_socket socket, int level, int name, int value) noexcept;

// The next connection, waiting until `until`. Returns invalid_native_handle with `error` set when there is none.
native_handle_type socket_accept(native_handle_type listener, deadline until, std::error_code& error) noexcept;

// Bytes from a stream socket into `buffer`; errc::end_of_stream once the peer
// shut down its side, errc::peer_closed when it reset the connection.
io_result socket_read_some(native_handle_type socket, std::span<std::byte> buffer, deadline until) noexcept;

// Bytes on a stream socket, up to data.size(); errc::peer_closed when the peer is gone.
io_result socket_write_some(native_handle_type socket, std::span<const std::byte> data, deadline until) noexcept;


// One whole message from a seqpacket socket into `buffer`. When it may not
// fit, the size is peeked first: a larger message is errc::message_too_large
// with its size, and stays. `largest_expected` is the size above which that
// check is needed. errc::peer_closed when the peer is gone.
io_result socket_receive_message(native_handle_type socket, std::span<std::byte> buffer, std::size_t largest_expected,
                                deadline until) noexcept;

// A socket address as the OS spells it, with its length.
struct socket_address {
  sockaddr_storage storage{};
  socklen_t length = sizeof storage;
  const sockaddr* get() const noexcept { return reinterpret_cast<const sockaddr*>(&storage); }
  sockaddr* get() noexcept { return reinterpret_cast<sockaddr*>(&storage); }
};

// One whole message on a seqpacket or datagram socket, to `to` when given
// (an unconnected datagram socket). errc::peer_closed when the peer is gone;
// errc::not_found when nobody is bound at a datagram's address.
std::error_code socket_send_message(native_handle_type socket, std::span<const std::byte> message, deadline until,
                                   const socket_address* to = nullptr) noexcept;

// One datagram into `buffer`, its size always peeked first (a larger one is
// errc::message_too_large with its size, and stays); an empty datagram is 0
// bytes. `from`, when given, gets the sender's address.
io_result socket_receive_datagram(native_handle_type socket, std::span<std::byte> buffer, deadline until,
                                  socket_address* from = nullptr) noexcept;

}  // namespace xipc::detail
