#include <xipc/mapped_file.hpp>

#include <fmt/format.h>
#include <windows.h>

#include "backend/mapping.hpp"
#include "win32/os_error.hpp"
#include "memory/file_range.hpp"

namespace xipc {

mapped_file mapped_file::open(std::string_view path, access mode, file_range range, detail::failure& why) {
  const std::string file(path);
  const std::wstring wide = detail::widen(file, why);
  if (why) return {};
  const DWORD attributes = ::GetFileAttributesW(wide.c_str());
  if (attributes != INVALID_FILE_ATTRIBUTES && (attributes & FILE_ATTRIBUTE_DIRECTORY) != 0) {
    why = detail::refuse(errc::invalid_argument, "not a regular file");
    return {};
  }
  const bool writable = mode == access::read_write;
  // Others may read and write the file meanwhile, as with open() on POSIX.
  HANDLE handle = ::CreateFileW(wide.c_str(), writable ? GENERIC_READ | GENERIC_WRITE : GENERIC_READ,
                                FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr, OPEN_EXISTING,
                                FILE_ATTRIBUTE_NORMAL, nullptr);
  if (handle == INVALID_HANDLE_VALUE) {
    why = detail::last_os_failure(fmt::format("CreateFileW(\"{}\")", file));
    return {};
  }
  LARGE_INTEGER size_info{};
  if (::GetFileType(handle) != FILE_TYPE_DISK) {
    why = detail::refuse(errc::invalid_argument, "not a regular file");
  } else if (!::GetFileSizeEx(handle, &size_info)) {
    why = detail::last_os_failure(fmt::format("GetFileSizeEx(\"{}\")", file));
  }
  const auto file_size = static_cast<std::size_t>(size_info.QuadPart);
  const std::size_t length = why ? 0 : detail::file_range_length(file_size, range, why);
  HANDLE section = nullptr;
  if (!why) {
    // The section keeps the file open; the file handle is not needed after this.
    section = ::CreateFileMappingW(handle, nullptr, writable ? PAGE_READWRITE : PAGE_READONLY, 0, 0, nullptr);
    if (section == nullptr) why = detail::last_os_failure(fmt::format("CreateFileMappingW(\"{}\")", file));
  }
  detail::close_quietly(handle);
  detail::mapped_view view;
  if (!why) view = detail::map_view(section, range.offset, length, mode, why);
  if (why) {
    if (section != nullptr) detail::close_quietly(section);
    return {};
  }
  return mapped_file(section, view, file);
}

}  // namespace xipc
