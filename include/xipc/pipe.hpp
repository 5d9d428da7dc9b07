// An ordinary (anonymous) pipe: one-way, a read end and a write end, between
// related processes: a child gets an end when it is spawned (child_process)
// or the handle is passed to it.
//
//   auto [reader, writer] = xipc::make_pipe();
//   xipc::write_all(writer, bytes);
//   writer.close();                                  // the reader then sees end_of_stream
//   auto got = reader.read_some(buffer, 100ms);
//
// Both ends are close-on-exec. A write with no reader left returns
// errc::peer_closed; it never kills the process with SIGPIPE (how: xipc/sigpipe.hpp).
//
// Thread safety: a pipe end is used by one thread at a time; the two ends of
// one pipe are independent.
#pragma once

#include <cstddef>
#include <span>
#include <system_error>

#include <xipc/concepts.hpp>
#include <xipc/deadline.hpp>
#include <xipc/error.hpp>
#include <xipc/passable.hpp>
#include <xipc/detail/owned_handle.hpp>

namespace xipc {

// The largest write that reaches the reader in one piece, never interleaved
// with another writer's (PIPE_BUF: 4096 on Linux, 512 on macOS).
std::size_t pipe_atomic_write_bytes() noexcept;

namespace detail {

// What both ends offer: the pipe's buffer size.
class pipe_end : public owned_handle {
 public:
  using owned_handle::owned_handle;

  // Bytes the pipe buffers before a writer must wait; 0 where the OS cannot tell.
  std::size_t capacity() const noexcept;
  // Asks the OS for a buffer of at least `bytes` (Linux: F_SETPIPE_SZ, up to
  // /proc/sys/fs/pipe-max-size unless privileged). errc::invalid_argument
  // where the size cannot be changed.
  std::error_code set_capacity(std::size_t bytes) noexcept;
};

}  // namespace detail

class pipe_reader : public detail::pipe_end {
 public:
  pipe_reader() noexcept = default;
  // Takes ownership of a pipe's read end.
  explicit pipe_reader(native_handle_type handle) noexcept : pipe_end(handle) {}

  // Waits until `until` for bytes; errc::end_of_stream once every write end is closed.
  [[nodiscard]] io_result read_some(std::span<std::byte> buffer, deadline until) noexcept;
  [[nodiscard]] io_result try_read_some(std::span<std::byte> buffer) noexcept {
    return read_some(buffer, deadline::immediately());
  }
};

class pipe_writer : public detail::pipe_end {
 public:
  pipe_writer() noexcept = default;
  // Takes ownership of a pipe's write end.
  explicit pipe_writer(native_handle_type handle) noexcept : pipe_end(handle) {}

  // Waits until `until` for room; errc::peer_closed once every read end is closed.
  [[nodiscard]] io_result write_some(std::span<const std::byte> data, deadline until) noexcept;
  [[nodiscard]] io_result try_write_some(std::span<const std::byte> data) noexcept {
    return write_some(data, deadline::immediately());
  }
};

static_assert(byte_source<pipe_reader>);
static_assert(byte_sink<pipe_writer>);

struct pipe_ends {
  pipe_reader reader;
  pipe_writer writer;
};

// A new pipe; both ends close-on-exec.
pipe_ends make_pipe();
pipe_ends make_pipe(std::error_code& ec);

template <>
struct handle_traits<pipe_reader> : passable_as<handle_kind::pipe_reader> {};
template <>
struct handle_traits<pipe_writer> : passable_as<handle_kind::pipe_writer> {};

}  // namespace xipc
