// Mapping an open OS object (a descriptor on POSIX, a section on Windows) into
// memory. Each backend implements these (posix/mapping.cpp, win32/mapping.cpp),
// and the members that xipc/shared_memory.hpp, anonymous_memory.hpp,
// mapped_file.hpp and detail/mapped_region.hpp leave to it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include <xipc/mapped_file.hpp>
#include <xipc/detail/mapped_region.hpp>

#include "core/setup_error.hpp"

namespace xipc::detail {

// Maps `length` bytes of `handle` from `offset`, which need not be aligned.
// REQUIRES: length > 0 and the range lies inside the object.
mapped_view map_view(native_handle_type handle, std::size_t offset, std::size_t length, access mode, failure& why);

// The size of the object behind `handle` (POSIX: fstat; Windows: the section's
// size from NtQuerySection); on failure sets `why` and returns 0.
std::size_t object_size(native_handle_type handle, failure& why);

// Whether no process can change the size of the object behind `handle` any
// more, so that a mapping of it never faults: a sealed memfd on Linux, every
// section on Windows; false where the OS cannot promise it.
bool object_size_is_fixed(native_handle_type handle) noexcept;

// True for a value that cannot be an open object: a negative descriptor
// (POSIX), null or INVALID_HANDLE_VALUE (Windows).
bool names_no_object(native_handle_type handle) noexcept;

// The permission bits of the object behind `handle` (POSIX: fstat); nothing
// where the OS keeps no mode bits (Windows: a DACL).
std::optional<std::uint32_t> permission_bits(native_handle_type handle) noexcept;

// Closes `handle` when a setup step after opening it failed, keeping the OS's last error intact.
void close_quietly(native_handle_type handle) noexcept;

}  // namespace xipc::detail
