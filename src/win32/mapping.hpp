// Mapping a section (a file mapping object) into memory, shared by
// shared_memory, anonymous_memory and mapped_file.
#pragma once

#include <cstddef>
#include <cstdint>

#include <xipc/detail/mapped_region.hpp>

#include "setup_error.hpp"

namespace xipc::detail {

// Maps `length` bytes of `section` from `offset`, which need not be aligned
// to the allocation granularity. REQUIRES: length > 0, inside the section.
mapped_view map_view(native_handle_type section, std::uint64_t offset, std::size_t length, access mode, failure& why);

// The exact size the section was created with (NtQuerySection); on failure
// sets `why` and returns 0.
std::size_t section_size(native_handle_type section, failure& why);

// Closes `handle` when a setup step after opening it failed, keeping the last error intact.
void close_quietly(native_handle_type handle) noexcept;

}  // namespace xipc::detail
