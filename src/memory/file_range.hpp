// The part of a file that mapped_file maps: checked once for every backend
// (memory/memory_setup.cpp).
#pragma once

#include <cstddef>

#include <xipc/mapped_file.hpp>

#include "core/setup_error.hpp"

namespace xipc::detail {

// The bytes of `range` in a file of `file_size` bytes: errc::out_of_range when it
// reaches past the end, errc::invalid_argument when it is empty.
std::size_t file_range_length(std::size_t file_size, file_range range, failure& why);

}  // namespace xipc::detail
