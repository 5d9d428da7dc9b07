#include "win32/mapping.hpp"

#include <fmt/format.h>
#include <windows.h>
#include <winternl.h>

#include "win32/os_error.hpp"

namespace xipc::detail {
namespace {

// NtQuerySection is in ntdll but not in the SDK's import libraries; it is the
// one call that tells the size a section was created with, where
// VirtualQuery only sees whole pages of a view.
struct section_basic_information {
  void* base_address;
  ULONG attributes;
  LARGE_INTEGER maximum_size;
};
using nt_query_section_fn = LONG(NTAPI*)(HANDLE, int, void*, SIZE_T, SIZE_T*);
constexpr int section_basic_information_class = 0;

nt_query_section_fn nt_query_section() noexcept {
  static const auto function = reinterpret_cast<nt_query_section_fn>(
      reinterpret_cast<void*>(::GetProcAddress(::GetModuleHandleW(L"ntdll.dll"), "NtQuerySection")));
  return function;
}

}  // namespace

mapped_view map_view(native_handle_type section, std::uint64_t offset, std::size_t length, access mode,
                     failure& why) {
  static const std::uint64_t granularity = [] {
    SYSTEM_INFO info;
    ::GetSystemInfo(&info);
    return std::uint64_t{info.dwAllocationGranularity};
  }();
  const std::uint64_t aligned_offset = offset - offset % granularity;
  const auto lead = static_cast<std::size_t>(offset - aligned_offset);
  const DWORD desired = mode == access::read_write ? FILE_MAP_READ | FILE_MAP_WRITE : FILE_MAP_READ;
  void* base = ::MapViewOfFile(section, desired, static_cast<DWORD>(aligned_offset >> 32),
                               static_cast<DWORD>(aligned_offset & 0xffffffffu), lead + length);
  if (base == nullptr) {
    why = last_os_failure(fmt::format("MapViewOfFile({} bytes at offset {})", lead + length, aligned_offset));
    return {};
  }
  return mapped_view{base, lead + length, static_cast<std::byte*>(base) + lead, length, mode};
}

std::size_t section_size(native_handle_type section, failure& why) {
  const auto query = nt_query_section();
  if (query == nullptr) {
    why = refuse(errc::invalid_argument, "ntdll has no NtQuerySection");
    return 0;
  }
  section_basic_information info{};
  const LONG status = query(section, section_basic_information_class, &info, sizeof info, nullptr);
  if (status < 0) {
    why = os_failure("NtQuerySection", ::RtlNtStatusToDosError(status));
    return 0;
  }
  return static_cast<std::size_t>(info.maximum_size.QuadPart);
}

void close_quietly(native_handle_type handle) noexcept {
  const DWORD saved = ::GetLastError();
  ::CloseHandle(handle);
  ::SetLastError(saved);
}

void mapped_region::release() noexcept {
  if (view_.base != nullptr) ::UnmapViewOfFile(view_.base);
  if (handle_ != invalid_native_handle) ::CloseHandle(handle_);
  handle_ = invalid_native_handle;
  view_ = {};
}

}  // namespace xipc::detail
