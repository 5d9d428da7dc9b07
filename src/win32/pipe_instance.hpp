// Windows named-pipe instances: what named_pipe and fifo both stand on.
// Handles here are overlapped (FILE_FLAG_OVERLAPPED), so every deadline mode
// is a wait that can be given up (overlapped_io.hpp).
#pragma once

#include <windows.h>

#include <span>
#include <string>
#include <string_view>

#include <xipc/concepts.hpp>
#include <xipc/deadline.hpp>
#include <xipc/name.hpp>
#include <xipc/named_pipe.hpp>

#include "core/setup_error.hpp"

namespace xipc::detail {

// Each instance's buffers: the 64 KiB a Linux pipe or socket starts with.
constexpr DWORD pipe_buffer_bytes = 65536;

// The pipe name of a portable name: \\.\pipe\xipc.<name>. A name that is
// not portable is errc::invalid_name, with the reason.
std::string named_pipe_path(std::string_view name, failure& why, name_kind kind = name_kind::named_pipe);

enum class pipe_direction {
  both,     // a named_pipe connection: full duplex
  inbound,  // a FIFO: the server (the reader) only reads
};

// A new instance of the pipe at `path`, waiting for a client. `first` asks
// for FILE_FLAG_FIRST_PIPE_INSTANCE: errc::already_exists when the name is
// served already. Remote clients are refused; only this machine connects.
HANDLE create_pipe_instance(const std::wstring& path, pipe_mode mode, pipe_direction direction, bool first,
                            failure& why);

// What a client does when no instance of the pipe exists.
enum class no_server {
  fails,  // errc::not_found (a named_pipe with no server)
  waits,  // waits until the deadline (a FIFO with no reader yet)
};

// Opens the client end of the pipe at `path` with `access`, waiting until
// `until` while every instance is taken: errc::would_block (immediate) or
// errc::timed_out after it.
HANDLE open_pipe_client(const std::string& path, DWORD access, no_server if_none, deadline until, failure& why);

// Checks that the pipe's server speaks `mode` (errc::invalid_argument when it
// does not) and, for message mode, makes the client end read whole messages.
bool check_pipe_mode(HANDLE pipe, pipe_mode mode, failure& why);

// Byte-stream reads and writes on an overlapped pipe handle, waiting until
// `until`. A read gives what is there (at least one byte) and
// errc::end_of_stream once the other end is gone; a write that the deadline
// cuts short reports the bytes that went, and errc::peer_closed when no
// reader is left.
io_result pipe_read_some(HANDLE pipe, std::span<std::byte> buffer, deadline until) noexcept;
io_result pipe_write_some(HANDLE pipe, std::span<const std::byte> data, deadline until) noexcept;

// One whole message (message mode), waiting until `until` for room; it goes
// whole or not at all. errc::peer_closed when no reader is left.
std::error_code send_pipe_message(HANDLE pipe, std::span<const std::byte> message, deadline until) noexcept;

// One whole message into `buffer`, waiting until `until` for one to come.
// A larger message is errc::message_too_large with its size, and stays
// queued; errc::peer_closed once the other end is gone.
io_result receive_pipe_message(HANDLE pipe, std::span<std::byte> buffer, deadline until) noexcept;

}  // namespace xipc::detail
