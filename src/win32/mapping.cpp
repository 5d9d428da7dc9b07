#include "backend/mapping.hpp"
#include "win32/section.hpp"

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

native_handle_type create_section(const wchar_t* name, std::size_t size, const std::string& call, failure& why,
                                  void* security) {
  const auto wide_size = static_cast<std::uint64_t>(size);
  // SEC_COMMIT charges the whole size to the commit limit now, so that running
  // out is an error here, not an access violation on first touch.
  HANDLE section = ::CreateFileMappingW(INVALID_HANDLE_VALUE, static_cast<SECURITY_ATTRIBUTES*>(security), PAGE_READWRITE | SEC_COMMIT,
                                        static_cast<DWORD>(wide_size >> 32),
                                        static_cast<DWORD>(wide_size & 0xffffffffu), name);
  if (section == nullptr) {
    why = last_os_failure(call);
    return nullptr;
  }
  if (name != nullptr && ::GetLastError() == ERROR_ALREADY_EXISTS) {
    // CreateFileMappingW opened the existing section instead: creating must not.
    ::CloseHandle(section);
    why = os_failure(call, ERROR_ALREADY_EXISTS);
    return nullptr;
  }
  return section;
}

mapped_view map_view(native_handle_type section, std::size_t offset, std::size_t length, access mode, failure& why) {
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

// A section's size is set when it is made; nobody can shrink it under a view.
bool object_size_is_fixed(native_handle_type /*section*/) noexcept { return true; }

std::size_t object_size(native_handle_type section, failure& why) {
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

std::optional<std::uint32_t> permission_bits(native_handle_type /*section*/) noexcept { return {}; }

bool names_no_object(native_handle_type handle) noexcept {
  return handle == invalid_native_handle || handle == INVALID_HANDLE_VALUE;
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
