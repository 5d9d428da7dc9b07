// The bounds-checked copies into and out of a mapped region that every
// memory object offers (write, read): one rule for all of them.
#pragma once

#include <cstddef>
#include <span>
#include <system_error>

namespace xipc::detail {

// Copies `bytes` to region[offset...]: errc::out_of_range past the end,
// errc::permission_denied when the region is not writable; nothing is written then.
std::error_code copy_into_region(std::span<std::byte> region, bool writable, std::size_t offset,
                                 std::span<const std::byte> bytes) noexcept;
// Copies region[offset...] into `buffer`: errc::out_of_range past the end.
std::error_code copy_from_region(std::span<const std::byte> region, std::size_t offset,
                                 std::span<std::byte> buffer) noexcept;

}  // namespace xipc::detail
