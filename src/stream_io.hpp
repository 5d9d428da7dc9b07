// Reading and writing a byte stream handle with a deadline: what pipes,
// FIFOs and stream sockets share. Each backend implements these once.
#pragma once

#include <span>

#include <xipc/concepts.hpp>
#include <xipc/deadline.hpp>
#include <xipc/native_handle.hpp>

namespace xipc::detail {

// Reads up to buffer.size() bytes, waiting until `until` for at least one.
// errc::end_of_stream once every writer is gone.
io_result read_some_handle(native_handle_type handle, std::span<std::byte> buffer, deadline until) noexcept;

// Writes up to data.size() bytes, waiting until `until` for room for at
// least one. errc::peer_closed when no reader is left; never a signal.
io_result write_some_handle(native_handle_type handle, std::span<const std::byte> data, deadline until) noexcept;

}  // namespace xipc::detail
