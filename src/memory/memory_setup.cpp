// What the three memory regions do the same on every backend: the public
// setup overloads, each running the backend's implementation and reporting its
// failure by throwing std::system_error or through a std::error_code&; and
// open_or_create and the file-range check, built on the backend's calls.
#include <xipc/anonymous_memory.hpp>
#include <xipc/mapped_file.hpp>
#include <xipc/shared_memory.hpp>

#include <fmt/format.h>

#include "backend/mapping.hpp"
#include "core/setup_error.hpp"
#include "memory/file_range.hpp"

namespace xipc {
namespace {

constexpr std::string_view unnamed = "(unnamed)";

// How often open_or_create retries when the object vanishes or appears under it.
constexpr int open_or_create_attempts = 8;

std::string handle_label(native_handle_type handle) { return fmt::format("handle {}", handle); }

}  // namespace

shared_memory shared_memory::open_or_create(std::string_view name, std::size_t size,
                                            const shared_memory_options& options, detail::failure& why,
                                            name_kind kind) {
  // Another process may create or remove the object (on Windows: close its last
  // handle) between our two tries; go round again then.
  for (int attempt = 0; attempt < open_or_create_attempts; ++attempt) {
    why = {};
    shared_memory created = create(name, size, options, why, kind);
    if (why.code != errc::already_exists) return created;
    why = {};
    shared_memory opened = open(name, access::read_write, options, why, kind);
    if (why.code == errc::not_found) continue;
    if (!why && opened.size() < size) {
      why = detail::refuse(errc::invalid_argument,
                           fmt::format("it exists with {} bytes, fewer than the {} requested", opened.size(), size));
      return {};
    }
    return opened;
  }
  return {};
}

std::size_t detail::file_range_length(std::size_t file_size, file_range range, failure& why) {
  if (range.offset > file_size) {
    why = refuse(errc::out_of_range, fmt::format("offset {} is past the end of the {}-byte file", range.offset, file_size));
    return 0;
  }
  const std::size_t length = range.length == file_range::whole_file ? file_size - range.offset : range.length;
  if (length > file_size - range.offset) {
    why = refuse(errc::out_of_range, fmt::format("{} bytes from offset {} reach past the end of the {}-byte file",
                                                 length, range.offset, file_size));
    return 0;
  }
  if (length == 0) why = refuse(errc::invalid_argument, "the range to map is empty");
  return length;
}

shared_memory shared_memory::create(std::string_view name, std::size_t size, const shared_memory_options& options) {
  return detail::report_or_throw("shared_memory", name, [&](auto& why) { return create(name, size, options, why); });
}
shared_memory shared_memory::create(std::string_view name, std::size_t size, std::error_code& ec,
                                    const shared_memory_options& options) {
  return detail::report_to(ec, [&](auto& why) { return create(name, size, options, why); });
}

shared_memory shared_memory::open(std::string_view name, access mode, const shared_memory_options& options) {
  return detail::report_or_throw("shared_memory", name, [&](auto& why) { return open(name, mode, options, why); });
}
shared_memory shared_memory::open(std::string_view name, access mode, std::error_code& ec,
                                  const shared_memory_options& options) {
  return detail::report_to(ec, [&](auto& why) { return open(name, mode, options, why); });
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

anonymous_memory anonymous_memory::adopt(native_handle_type handle, access mode, detail::failure& why) {
  if (detail::names_no_object(handle)) {
    why = detail::refuse(errc::invalid_argument, "the handle names no open object");
    return {};
  }
  const std::size_t size = detail::object_size(handle, why);
  if (!why && size == 0) why = detail::refuse(errc::invalid_argument, "the region behind the handle is empty");
  detail::mapped_view view;
  if (!why) view = detail::map_view(handle, 0, size, mode, why);
  if (why) {
    // adopt owns the handle from the start, so it closes it on failure too.
    detail::close_quietly(handle);
    return {};
  }
  return anonymous_memory(handle, view);
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
