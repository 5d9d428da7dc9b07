// What Windows code adds to the backend's error conversion (backend/os_error.hpp).
#pragma once

#include <string>
#include <string_view>

#include "backend/os_error.hpp"

namespace xipc::detail {

// A UTF-8 string as UTF-16 for the W functions; invalid UTF-8 sets `why`.
std::wstring widen(std::string_view text, failure& why);

}  // namespace xipc::detail
