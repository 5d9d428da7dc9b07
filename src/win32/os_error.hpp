// The Windows backend's one conversion from GetLastError and WSAGetLastError
// codes to xipc's error model.
#pragma once

#include <string>
#include <system_error>

#include "core/setup_error.hpp"

namespace xipc::detail {

// Codes with an xipc meaning become xipc::errc; the rest keep their
// system_category code (on Windows, system_category holds Win32 codes).
std::error_code error_from_windows(unsigned long code) noexcept;

// The failure of OS call `call` (with its main argument) that reported `code`.
failure os_failure(std::string call, unsigned long code);

// The same for the calling thread's GetLastError(), read before anything else.
failure last_os_failure(std::string call);

// A UTF-8 string as UTF-16 for the W functions; invalid UTF-8 sets `why`.
std::wstring widen(std::string_view text, failure& why);

}  // namespace xipc::detail
