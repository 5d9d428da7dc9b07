// Making an unnamed or named section on the paging file: what Windows's
// shared_memory and anonymous_memory share (the rest is mapping.hpp).
#pragma once

#include <cstddef>
#include <string>

#include <xipc/native_handle.hpp>

#include "core/setup_error.hpp"

namespace xipc::detail {

// A read-write section of `size` bytes, named `name` (nullptr: unnamed).
// A name that exists already is errc::already_exists, and nothing is opened.
// `call` names the call in the failure. `security` null: the default security.
native_handle_type create_section(const wchar_t* name, std::size_t size, const std::string& call, failure& why,
                                  void* security = nullptr);

}  // namespace xipc::detail
