#include <xipc/name.hpp>
#include <xipc/shared_memory.hpp>

#include <fmt/format.h>
#include <windows.h>

#include "backend/mapping.hpp"
#include "win32/section.hpp"
#include "win32/object_owner.hpp"
#include "win32/os_error.hpp"

// A Windows section lives while any process holds a handle to it: there is no
// unlink. remove() can therefore only tell whether the name is still in use;
// the object goes when its last handle closes. docs/shared_memory.md says so.

namespace xipc {
namespace {

std::wstring checked_os_name(std::string_view name, detail::failure& why, name_kind kind) {
  std::string reason;
  if (validate_name(name, &reason)) {
    why = detail::refuse(errc::invalid_name, std::move(reason));
    return {};
  }
  return detail::widen(os_name(kind, name), why);
}

}  // namespace

shared_memory shared_memory::create(std::string_view name, std::size_t size, const shared_memory_options& options,
                                    detail::failure& why, name_kind kind) {
  // Windows has no mode bits: owner_only is a DACL for the creating user
  // alone; group or other bits give the default security (the creating user,
  // SYSTEM and administrators). docs/shared_memory.md explains.
  const std::wstring path = checked_os_name(name, why, kind);
  if (why) return {};
  if (size == 0) {
    why = detail::refuse(errc::invalid_argument, "size must be at least 1 byte");
    return {};
  }
  HANDLE section = detail::create_section(
      path.c_str(), size, fmt::format("CreateFileMappingW(\"{}\", {})", os_name(kind, name), size), why,
      detail::security_for(options.perms));
  if (section == nullptr) return {};
  detail::mapped_view view = detail::map_view(section, 0, size, access::read_write, why);
  if (why) {
    detail::close_quietly(section);
    return {};
  }
  return shared_memory(section, view, std::string(name));
}

shared_memory shared_memory::open(std::string_view name, access mode, const shared_memory_options& options,
                                  detail::failure& why, name_kind kind) {
  const std::wstring path = checked_os_name(name, why, kind);
  if (why) return {};
  const DWORD desired = mode == access::read_write ? FILE_MAP_READ | FILE_MAP_WRITE : FILE_MAP_READ;
  // SECTION_QUERY: NtQuerySection reads the size through this handle;
  // READ_CONTROL: the owner check reads its security descriptor.
  HANDLE section = ::OpenFileMappingW(desired | SECTION_QUERY | READ_CONTROL, FALSE, path.c_str());
  if (section == nullptr) {
    why = detail::last_os_failure(fmt::format("OpenFileMappingW(\"{}\")", os_name(kind, name)));
    return {};
  }
  // A section has its size from the moment it exists: no window in which a
  // creator has made it but not sized it, as between shm_open and ftruncate.
  std::size_t size = 0;
  if (detail::check_handle_owner(section, os_name(kind, name), options.perms, why)) {
    size = detail::object_size(section, why);
  }
  detail::mapped_view view;
  if (!why) view = detail::map_view(section, 0, size, mode, why);
  if (why) {
    detail::close_quietly(section);
    return {};
  }
  return shared_memory(section, view, std::string(name));
}

bool shared_memory::remove(std::string_view name, detail::failure& why, name_kind kind) {
  const std::wstring path = checked_os_name(name, why, kind);
  if (why) return false;
  // Nothing to unlink: report whether a section of that name is still held open.
  HANDLE section = ::OpenFileMappingW(FILE_MAP_READ, FALSE, path.c_str());
  if (section != nullptr) {
    ::CloseHandle(section);
    return true;
  }
  const DWORD code = ::GetLastError();
  if (code == ERROR_FILE_NOT_FOUND) return false;
  why = detail::os_failure(fmt::format("OpenFileMappingW(\"{}\")", os_name(kind, name)), code);
  return false;
}

}  // namespace xipc
