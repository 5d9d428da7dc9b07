// Mapping an open descriptor into memory, shared by shared_memory,
// anonymous_memory and mapped_file.
#pragma once

#include <cstddef>

#include <xipc/detail/mapped_region.hpp>

#include "setup_error.hpp"

namespace xipc::detail {

// Maps `length` bytes of `fd` from `offset`, which need not be page-aligned.
// REQUIRES: length > 0 and the range lies inside the object.
mapped_view map_view(int fd, std::size_t offset, std::size_t length, access mode, failure& why);

// The size of the object behind `fd`; on failure sets `why` and returns 0.
std::size_t object_size(int fd, failure& why);

// Closes `fd` when a setup step after opening it failed, keeping errno intact.
void close_quietly(int fd) noexcept;

}  // namespace xipc::detail
