// The backend's errors in xipc's error model: an OS error value (errno on
// POSIX, GetLastError or WSAGetLastError on Windows) becomes an error_code,
// and an OS call that failed becomes a failure naming the call. Every
// backend defines these, under these names (posix/os_error.cpp,
// win32/os_error.cpp).
#pragma once

#include <xipc/detail/config.hpp>

#include <string>
#include <system_error>

#include "core/setup_error.hpp"

namespace xipc::detail {

#if XIPC_OS_WINDOWS
using os_error_value = unsigned long;  // a Win32 or Winsock error code
#else
using os_error_value = int;            // an errno value
#endif

// Values with an xipc meaning become xipc::errc; the rest keep their
// system_category code.
std::error_code error_from_os(os_error_value value) noexcept;

// The failure of OS call `call` (with its main argument) that reported `value`.
failure os_failure(std::string call, os_error_value value);

// The calling thread's last OS error (errno, GetLastError()): read it before
// anything else that may change it.
os_error_value last_os_error() noexcept;

// os_failure with last_os_error().
failure last_os_failure(std::string call);

}  // namespace xipc::detail
