// Message mode over Unix-domain sockets: named pipes in message mode, and
// ports, which stand on them. Two twins implement it:
//   linux/message_socket_seqpacket.cpp  SOCK_SEQPACKET: the kernel keeps each message whole
//   posix/message_socket_framed.cpp     where AF_UNIX has no seqpacket (macOS): each message
//                                       is a frame on a stream socket, its length first
// Each twin also defines the message calls of backend/named_pipe_io.hpp
// (named_pipe_send, named_pipe_receive, named_pipe_receive_bounded); handle
// passing (posix/handle_passing.cpp) moves its frames through the calls below.
// One thread sends and one receives at a time on a socket (named_pipe.hpp).
#pragma once

#include <sys/socket.h>
#include <sys/uio.h>

#include <cstddef>
#include <span>
#include <system_error>

#include <xipc/concepts.hpp>
#include <xipc/deadline.hpp>

#include "core/setup_error.hpp"

namespace xipc::detail {

// The socket type message mode connects with (SOCK_SEQPACKET or SOCK_STREAM).
int message_socket_type() noexcept;

// Makes a message socket (a connection, or a listener whose connections
// inherit it) carry messages of up to `max_message_bytes`, or says which
// system limit stops that.
bool size_message_socket(int socket, std::size_t max_message_bytes, failure& why);

// Sends one message: the bytes of `parts` in order (not empty), with
// `control` (SCM_RIGHTS; may be empty) attached. A deadline that passes
// before anything went leaves the connection as it was.
std::error_code message_socket_send(int socket, std::span<const iovec> parts, std::span<std::byte> control,
                                    deadline until) noexcept;

// Waits for the next message and copies its first bytes into `head` (fewer
// when it is shorter), without taking it. Returns its size; errc::peer_closed
// once the peer is gone, errc::corrupted when the stream holds no valid frame.
io_result message_socket_peek(int socket, std::span<std::byte> head, deadline until) noexcept;

// Takes the message a peek saw, of `size` bytes, into message.msg_iov (which
// holds exactly that) and its control data into message.msg_control, with
// message.msg_controllen and msg_flags as recvmsg leaves them. Received
// descriptors are close-on-exec. errc::would_block: another reader took it.
io_result message_socket_take(int socket, msghdr& message, std::size_t size, deadline until) noexcept;

// Drops the message a peek saw (`size` bytes) and closes what came with it.
void message_socket_drop(int socket, std::size_t size) noexcept;

}  // namespace xipc::detail
