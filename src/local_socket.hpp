// Sockets: the Unix-domain setup that named pipes stand on, and the data
// transfer that every socket type shares (named pipes, TCP, UDP and local
// sockets). Each function is the one place its OS calls are made.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include <xipc/concepts.hpp>
#include <xipc/deadline.hpp>
#include <xipc/native_handle.hpp>

#include "setup_error.hpp"

namespace xipc::detail {

enum class local_socket_kind { stream, seqpacket };

// The socket path for a portable name: <directory>/<name>.sock in a directory
// only this user can enter ($XDG_RUNTIME_DIR/xipc, else /tmp/xipc-<uid>),
// created on first use. Names that would not fit sun_path are hashed.
std::string local_socket_path(std::string_view name, failure& why);

// Names a socket file (device and inode), so that a server removes only the
// file it made; 0 when there is none.
std::uint64_t socket_file_id(const std::string& path) noexcept;

// A listening socket at `path`. A socket file that nobody accepts on (left by
// a crashed server) is replaced; a live server is errc::already_exists.
native_handle_type local_listen(const std::string& path, local_socket_kind kind, failure& why);

// The next connection, waiting until `until`. Returns invalid_native_handle with `error` set when there is none.
native_handle_type socket_accept(native_handle_type listener, deadline until, std::error_code& error) noexcept;

// Connects to `path`: errc::not_found when no server listens there; waits
// until `until` while the server's backlog is full.
native_handle_type local_connect(const std::string& path, local_socket_kind kind, deadline until, failure& why);

// Connected sockets are blocking: a call that may wait forever is then one
// system call. The calls below work on blocking and non-blocking sockets alike;
// with a deadline that is not forever they never block, and poll() waits.

// The flags for one send or receive attempt: none when the call may wait
// forever (it blocks in the kernel), MSG_DONTWAIT otherwise.
int socket_attempt_flags(deadline until) noexcept;

// Clears O_NONBLOCK once a connection is made (connect waited with poll()).
std::error_code make_blocking(native_handle_type socket) noexcept;

// Bytes from a stream socket into `buffer`; errc::end_of_stream once the peer
// shut down its side, errc::peer_closed when it reset the connection.
io_result socket_read_some(native_handle_type socket, std::span<std::byte> buffer, deadline until) noexcept;

// Bytes on a stream socket, up to data.size(); errc::peer_closed when the peer is gone.
io_result socket_write_some(native_handle_type socket, std::span<const std::byte> data, deadline until) noexcept;

// One whole message on a seqpacket or datagram socket; errc::peer_closed when the peer is gone.
std::error_code socket_send_message(native_handle_type socket, std::span<const std::byte> message,
                                   deadline until) noexcept;

// One whole message into `buffer`. When it may not fit, the size is peeked
// first: a larger message is errc::message_too_large with its size, and stays.
// `largest_expected` is the size above which that check is needed.
io_result socket_receive_message(native_handle_type socket, std::span<std::byte> buffer, std::size_t largest_expected,
                                deadline until) noexcept;

}  // namespace xipc::detail
