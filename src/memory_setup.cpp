// The public setup overloads of the three memory regions, the same for every
// backend: each runs the backend's implementation and reports its failure
// either by throwing std::system_error or through a std::error_code&.
#include <xipc/anonymous_memory.hpp>
#include <xipc/mapped_file.hpp>
#include <xipc/shared_memory.hpp>

#include <fmt/format.h>

#include "setup_error.hpp"

namespace xipc {
namespace {

constexpr std::string_view unnamed = "(unnamed)";

std::string handle_label(native_handle_type handle) { return fmt::format("handle {}", handle); }

}  // namespace

shared_memory shared_memory::create(std::string_view name, std::size_t size, const shared_memory_options& options) {
  return detail::report_or_throw("shared_memory", name, [&](auto& why) { return create(name, size, options, why); });
}
shared_memory shared_memory::create(std::string_view name, std::size_t size, std::error_code& ec,
                                    const shared_memory_options& options) {
  return detail::report_to(ec, [&](auto& why) { return create(name, size, options, why); });
}

shared_memory shared_memory::open(std::string_view name, access mode) {
  return detail::report_or_throw("shared_memory", name, [&](auto& why) { return open(name, mode, why); });
}
shared_memory shared_memory::open(std::string_view name, access mode, std::error_code& ec) {
  return detail::report_to(ec, [&](auto& why) { return open(name, mode, why); });
}

shared_memory shared_memory::open_or_create(std::string_view name, std::size_t size,
                                            const shared_memory_options& options) {
  return detail::report_or_throw("shared_memory", name,
                                 [&](auto& why) { return open_or_create(name, size, options, why); });
}
shared_memory shared_memory::open_or_create(std::string_view name, std::size_t size, std::error_code& ec,
                                            const shared_memory_options& options) {
  return detail::report_to(ec, [&](auto& why) { return open_or_create(name, size, options, why); });
}

bool shared_memory::remove(std::string_view name) {
  return detail::report_or_throw("shared_memory", name, [&](auto& why) { return remove(name, why); });
}
bool shared_memory::remove(std::string_view name, std::error_code& ec) {
  return detail::report_to(ec, [&](auto& why) { return remove(name, why); });
}

anonymous_memory anonymous_memory::create(std::size_t size) {
  return detail::report_or_throw("anonymous_memory", unnamed, [&](auto& why) { return create(size, why); });
}
anonymous_memory anonymous_memory::create(std::size_t size, std::error_code& ec) {
  return detail::report_to(ec, [&](auto& why) { return create(size, why); });
}

anonymous_memory anonymous_memory::adopt(native_handle_type handle, access mode) {
  return detail::report_or_throw("anonymous_memory", handle_label(handle),
                                 [&](auto& why) { return adopt(handle, mode, why); });
}
anonymous_memory anonymous_memory::adopt(native_handle_type handle, access mode, std::error_code& ec) {
  return detail::report_to(ec, [&](auto& why) { return adopt(handle, mode, why); });
}

mapped_file mapped_file::open(std::string_view path, access mode, file_range range) {
  return detail::report_or_throw("mapped_file", path, [&](auto& why) { return open(path, mode, range, why); });
}
mapped_file mapped_file::open(std::string_view path, access mode, file_range range, std::error_code& ec) {
  return detail::report_to(ec, [&](auto& why) { return open(path, mode, range, why); });
}

}  // namespace xipc
