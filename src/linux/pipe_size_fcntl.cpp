// A pipe's buffer size on Linux: F_GETPIPE_SZ and F_SETPIPE_SZ.
#include <xipc/pipe.hpp>

#include <fcntl.h>

#include <climits>

#include "posix/os_error.hpp"

namespace xipc::detail {

std::size_t pipe_end::capacity() const noexcept {
  const int bytes = ::fcntl(native_handle(), F_GETPIPE_SZ);
  return bytes > 0 ? static_cast<std::size_t>(bytes) : 0;
}

std::error_code pipe_end::set_capacity(std::size_t bytes) noexcept {
  if (bytes > static_cast<std::size_t>(INT_MAX)) return make_error_code(errc::invalid_argument);
  if (::fcntl(native_handle(), F_SETPIPE_SZ, static_cast<int>(bytes)) < 0) return error_from_os(errno);
  return {};
}

}  // namespace xipc::detail
