#include <xipc/pipe.hpp>

#include "backend/pipe.hpp"

#include <climits>

#include "posix/new_descriptor.hpp"
#include "posix/os_error.hpp"

namespace xipc {

std::size_t pipe_atomic_write_bytes() noexcept { return PIPE_BUF; }

namespace detail {

pipe_ends open_pipe(failure& why) {
  int ends[2];
  // Blocking: a read or write that may wait forever is then one system call,
  // as in plain code, and a child given an end gets the blocking stdio it
  // expects. Finite deadlines wait in poll() first (stream_io.cpp).
  if (new_pipe_descriptors(ends) != 0) {
    why = os_failure("pipe", errno);
    return {};
  }
  return {pipe_reader(ends[0]), pipe_writer(ends[1])};
}

}  // namespace detail
}  // namespace xipc
