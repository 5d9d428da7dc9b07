// Success as a std::error_code to return by copy on a fast path: a
// default-constructed one calls std::system_category(), which libstdc++
// keeps out of line, every time (a measurable share of an uncontended
// process_mutex lock).
#pragma once

#include <system_error>

namespace xipc::detail {

inline const std::error_code no_error{};

}  // namespace xipc::detail
