#include <xipc/anonymous_memory.hpp>

#include <fmt/format.h>
#include <windows.h>

#include "mapping.hpp"
#include "win32/section.hpp"
#include "win32/os_error.hpp"

namespace xipc {

anonymous_memory anonymous_memory::create(std::size_t size, detail::failure& why) {
  if (size == 0) {
    why = detail::refuse(errc::invalid_argument, "size must be at least 1 byte");
    return {};
  }
  // An unnamed section backed by the paging file: another process gets it only
  // through a handle (inherited, or duplicated into it with DuplicateHandle).
  HANDLE section = detail::create_section(nullptr, size, fmt::format("CreateFileMappingW({})", size), why);
  if (section == nullptr) return {};
  detail::mapped_view view = detail::map_view(section, 0, size, access::read_write, why);
  if (why) {
    detail::close_quietly(section);
    return {};
  }
  return anonymous_memory(section, view);
}

anonymous_memory anonymous_memory::adopt(native_handle_type handle, access mode, detail::failure& why) {
  if (handle == invalid_native_handle || handle == INVALID_HANDLE_VALUE) {
    why = detail::refuse(errc::invalid_argument, "the handle is not a section handle");
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

}  // namespace xipc
