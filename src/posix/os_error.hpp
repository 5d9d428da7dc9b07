// What POSIX code adds to the backend's error conversion (backend/os_error.hpp).
#pragma once

#include <cerrno>

#include "backend/os_error.hpp"

namespace xipc::detail {

// Repeats a system call interrupted by a signal.
template <class Call>
auto retry_on_eintr(Call call) {
  auto result = call();
  while (result == -1 && errno == EINTR) result = call();
  return result;
}

}  // namespace xipc::detail
