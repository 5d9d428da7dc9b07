// Reading and writing a byte stream handle with a deadline: what pipes,
// FIFOs and stream sockets share. Each backend implements these once
// (posix/stream_io.cpp, win32/stream_io.cpp).
#pragma once

#include <span>

#include <xipc/concepts.hpp>
#include <xipc/deadline.hpp>
#include <xipc/native_handle.hpp>

#include "core/setup_error.hpp"

namespace xipc::detail {

// Waits until `handle` is readable (or hung up) or the deadline passes:
// errc::would_block for an immediate deadline, errc::timed_out after it.
std::error_code wait_readable(native_handle_type handle, deadline until) noexcept;

// Reads up to buffer.size() bytes, waiting until `until` for at least one.
// errc::end_of_stream once every writer is gone. The handle may be blocking
// (pipes, FIFOs: a read that may wait forever is then one system call) or
// non-blocking (sockets).
io_result read_some_handle(native_handle_type handle, std::span<std::byte> buffer, deadline until) noexcept;

// Writes up to data.size() bytes to a blocking pipe or FIFO, waiting until
// `until` for room. A finite deadline writes at most pipe_atomic_write_bytes(),
// which the room poll() reported always takes without blocking.
// errc::peer_closed when no reader is left; never a signal. How SIGPIPE is
// kept away is the process's sigpipe_guard (io/sigpipe_state.hpp).
io_result write_some_handle(native_handle_type handle, std::span<const std::byte> data, deadline until) noexcept;

// Whether SIGPIPE's disposition is SIG_IGN now, or the OS has no SIGPIPE;
// false with `why` naming the disposition found.
bool sigpipe_ignored(failure& why);

}  // namespace xipc::detail
