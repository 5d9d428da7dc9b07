#include <xipc/pipe.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <climits>

#include "posix/os_error.hpp"

namespace xipc {

std::size_t pipe_atomic_write_bytes() noexcept { return PIPE_BUF; }

namespace detail {

pipe_ends open_pipe(failure& why) {
  int ends[2];
  // Blocking: a read or write that may wait forever is then one system call,
  // as in plain code, and a child given an end gets the blocking stdio it
  // expects. Finite deadlines wait in poll() first (stream_io.cpp).
  if (::pipe2(ends, O_CLOEXEC) != 0) {
    why = os_failure("pipe2", errno);
    return {};
  }
  return {pipe_reader(ends[0]), pipe_writer(ends[1])};
}

std::size_t pipe_end::capacity() const noexcept {
  const int bytes = ::fcntl(native_handle(), F_GETPIPE_SZ);
  return bytes > 0 ? static_cast<std::size_t>(bytes) : 0;
}

std::error_code pipe_end::set_capacity(std::size_t bytes) noexcept {
  if (bytes > static_cast<std::size_t>(INT_MAX)) return make_error_code(errc::invalid_argument);
  if (::fcntl(native_handle(), F_SETPIPE_SZ, static_cast<int>(bytes)) < 0) return error_from_errno(errno);
  return {};
}

}  // namespace detail
}  // namespace xipc
