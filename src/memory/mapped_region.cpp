#include <xipc/detail/mapped_region.hpp>

#include <cstring>

namespace xipc::detail {
namespace {

// True when [offset, offset + length) lies inside [0, size), without overflow.
bool fits(std::size_t offset, std::size_t length, std::size_t size) noexcept {
  return offset <= size && length <= size - offset;
}

}  // namespace

std::error_code mapped_region::write(std::size_t offset, std::span<const std::byte> bytes) noexcept {
  if (!fits(offset, bytes.size(), view_.size)) return make_error_code(errc::out_of_range);
  if (!writable()) return make_error_code(errc::permission_denied);
  if (!bytes.empty()) std::memcpy(view_.data + offset, bytes.data(), bytes.size());
  return {};
}

std::error_code mapped_region::read(std::size_t offset, std::span<std::byte> buffer) const noexcept {
  if (!fits(offset, buffer.size(), view_.size)) return make_error_code(errc::out_of_range);
  if (!buffer.empty()) std::memcpy(buffer.data(), view_.data + offset, buffer.size());
  return {};
}

}  // namespace xipc::detail
