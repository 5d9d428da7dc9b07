#include "backend/mapping.hpp"

#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "posix/anonymous_file.hpp"
#include "posix/os_error.hpp"

namespace xipc::detail {

mapped_view map_view(int fd, std::size_t offset, std::size_t length, access mode, failure& why) {
  static const auto page_bytes = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  const std::size_t aligned_offset = offset - offset % page_bytes;
  const std::size_t lead = offset - aligned_offset;
  const int protection = mode == access::read_write ? PROT_READ | PROT_WRITE : PROT_READ;
  void* base = ::mmap(nullptr, lead + length, protection, MAP_SHARED, fd, static_cast<off_t>(aligned_offset));
  if (base == MAP_FAILED) {
    why = os_failure(fmt::format("mmap({} bytes at offset {})", lead + length, aligned_offset), errno);
    return {};
  }
  return mapped_view{base, lead + length, static_cast<std::byte*>(base) + lead, length, mode};
}

bool object_size_is_fixed(int fd) noexcept { return anonymous_file_size_fixed(fd); }

std::size_t object_size(int fd, failure& why) {
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    why = os_failure("fstat", errno);
    return 0;
  }
  return static_cast<std::size_t>(info.st_size);
}

std::optional<std::uint32_t> permission_bits(int fd) noexcept {
  struct stat info {};
  if (::fstat(fd, &info) != 0) return {};
  return static_cast<std::uint32_t>(info.st_mode & 07777);
}

bool names_no_object(int fd) noexcept { return fd < 0; }

void close_quietly(int fd) noexcept {
  const int saved = errno;
  ::close(fd);
  errno = saved;
}

void mapped_region::release() noexcept {
  if (view_.base != nullptr) ::munmap(view_.base, view_.base_length);
  if (handle_ != invalid_native_handle) ::close(handle_);
  handle_ = invalid_native_handle;
  view_ = {};
}

}  // namespace xipc::detail
