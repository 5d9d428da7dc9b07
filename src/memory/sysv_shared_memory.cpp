#include <xipc/sysv_shared_memory.hpp>

#include "core/setup_error.hpp"
#include "core/sysv_key.hpp"
#include "memory/region_copy.hpp"

// The portable half of sysv_shared_memory; the System V calls are in
// linux/sysv_shared_memory.cpp, and memory/sysv_shared_memory_none.cpp
// refuses them where there are none.
namespace xipc {
namespace {
constexpr std::string_view object_kind = "sysv_shared_memory";
}  // namespace

std::int32_t sysv_shared_memory::key_of(std::string_view name) noexcept { return detail::sysv_shared_memory_key(name); }

std::error_code sysv_shared_memory::write(std::size_t offset, std::span<const std::byte> bytes) noexcept {
  return detail::copy_into_region({data_, size_}, writable(), offset, bytes);
}

std::error_code sysv_shared_memory::read(std::size_t offset, std::span<std::byte> buffer) const noexcept {
  return detail::copy_from_region({data_, size_}, offset, buffer);
}

sysv_shared_memory sysv_shared_memory::create(std::string_view name, std::size_t size,
                                              const sysv_shared_memory_options& options) {
  return detail::report_or_throw(object_kind, name, [&](auto& why) { return create(name, size, options, why); });
}
sysv_shared_memory sysv_shared_memory::create(std::string_view name, std::size_t size, std::error_code& ec,
                                              const sysv_shared_memory_options& options) {
  return detail::report_to(ec, [&](auto& why) { return create(name, size, options, why); });
}
sysv_shared_memory sysv_shared_memory::open(std::string_view name, access mode,
                                            const sysv_shared_memory_options& options) {
  return detail::report_or_throw(object_kind, name, [&](auto& why) { return open(name, mode, options, why); });
}
sysv_shared_memory sysv_shared_memory::open(std::string_view name, access mode, std::error_code& ec,
                                            const sysv_shared_memory_options& options) {
  return detail::report_to(ec, [&](auto& why) { return open(name, mode, options, why); });
}
bool sysv_shared_memory::remove(std::string_view name) {
  return detail::report_or_throw(object_kind, name, [&](auto& why) { return remove(name, why); });
}
bool sysv_shared_memory::remove(std::string_view name, std::error_code& ec) {
  return detail::report_to(ec, [&](auto& why) { return remove(name, why); });
}

}  // namespace xipc
