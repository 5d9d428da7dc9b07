#include <xipc/detail/mapped_region.hpp>

#include <cstring>

#include "memory/region_copy.hpp"

namespace xipc::detail {
namespace {

// True when [offset, offset + length) lies inside [0, size), without overflow.
bool fits(std::size_t offset, std::size_t length, std::size_t size) noexcept {
  return offset <= size && length <= size - offset;
}

}  // namespace

std::error_code copy_into_region(std::span<std::byte> region, bool writable, std::size_t offset,
                                 std::span<const std::byte> bytes) noexcept {
  if (!fits(offset, bytes.size(), region.size())) return make_error_code(errc::out_of_range);
  if (!writable) return make_error_code(errc::permission_denied);
  if (!bytes.empty()) std::memcpy(region.data() + offset, bytes.data(), bytes.size());
  return {};
}

std::error_code copy_from_region(std::span<const std::byte> region, std::size_t offset,
                                 std::span<std::byte> buffer) noexcept {
  if (!fits(offset, buffer.size(), region.size())) return make_error_code(errc::out_of_range);
  if (!buffer.empty()) std::memcpy(buffer.data(), region.data() + offset, buffer.size());
  return {};
}

std::error_code mapped_region::write(std::size_t offset, std::span<const std::byte> bytes) noexcept {
  return copy_into_region({view_.data, view_.size}, writable(), offset, bytes);
}

std::error_code mapped_region::read(std::size_t offset, std::span<std::byte> buffer) const noexcept {
  return copy_from_region({view_.data, view_.size}, offset, buffer);
}

}  // namespace xipc::detail
