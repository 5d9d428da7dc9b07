// What a named-pipe connection does on each OS once src/named_pipe.cpp has
// checked the mode and the message: POSIX a Unix-domain socket, Windows an
// overlapped pipe handle. Each backend implements these once.
#pragma once

#include <cstddef>
#include <span>
#include <system_error>
#include <vector>

#include <xipc/concepts.hpp>
#include <xipc/deadline.hpp>
#include <xipc/native_handle.hpp>
#include <xipc/sockets.hpp>
#include <xipc/detail/config.hpp>

namespace xipc::detail {

// Byte mode.
io_result named_pipe_read_some(native_handle_type pipe, std::span<std::byte> buffer, deadline until) noexcept;
io_result named_pipe_write_some(native_handle_type pipe, std::span<const std::byte> data, deadline until) noexcept;

// Message mode: one whole message (not empty, not above the pipe's maximum).
std::error_code named_pipe_send(native_handle_type pipe, std::span<const std::byte> message, deadline until) noexcept;
// One whole message; a larger one than `buffer` is errc::message_too_large
// with its size, and is not lost: it stays queued, or, where the backend took
// it from the pipe without looking at its size first (a buffer of at least
// `max_message_bytes`, this end's own maximum, on Linux), it is moved into
// `held`, empty on entry, for the caller's next receive.
io_result named_pipe_receive(native_handle_type pipe, std::span<std::byte> buffer, std::size_t max_message_bytes,
                             std::vector<std::byte>& held, deadline until) noexcept;
// One whole message for a protocol whose peer never sends more than
// buffer.size() (ports): no look at the size first, so one system call. A
// larger message breaks the protocol: errc::corrupted, and it is lost.
io_result named_pipe_receive_bounded(native_handle_type pipe, std::span<std::byte> buffer, deadline until) noexcept;

// The process at the other end of a connection, as the OS saw it. Windows
// knows the pid only (uid and gid are 0: named_pipe_peer_has_uid).
std::error_code named_pipe_peer(native_handle_type pipe, bool server_end, peer_credentials& out) noexcept;
inline constexpr bool named_pipe_peer_has_uid = !XIPC_OS_WINDOWS;

}  // namespace xipc::detail
