// The POSIX backend's one conversion from errno to xipc's error model.
#pragma once

#include <cerrno>
#include <string>
#include <system_error>

#include "core/setup_error.hpp"

namespace xipc::detail {

// errno values with an xipc meaning become xipc::errc; the rest keep their
// system_category code.
std::error_code error_from_errno(int errno_value) noexcept;

// The failure of OS call `call` (with its main argument) that set `errno_value`.
failure os_failure(std::string call, int errno_value);

// Repeats a system call interrupted by a signal.
template <class Call>
auto retry_on_eintr(Call call) {
  auto result = call();
  while (result == -1 && errno == EINTR) result = call();
  return result;
}

}  // namespace xipc::detail
