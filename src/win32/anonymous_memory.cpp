#include <xipc/anonymous_memory.hpp>

#include <fmt/format.h>
#include <windows.h>

#include "backend/mapping.hpp"
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

}  // namespace xipc
