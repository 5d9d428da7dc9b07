// A file, or a range of it, mapped into memory. With read_write access,
// stores reach the file (and every other process mapping it).
//
// Thread safety: as shared_memory: many threads may use the object at once;
// moving it must not race with use.
#pragma once

#include <cstddef>
#include <limits>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include <xipc/concepts.hpp>
#include <xipc/detail/mapped_region.hpp>

namespace xipc {
namespace detail {
struct failure;
}

// A byte range of a file; the default is the whole file.
struct file_range {
  std::size_t offset = 0;
  std::size_t length = whole_file;

  static constexpr std::size_t whole_file = std::numeric_limits<std::size_t>::max();
};

class mapped_file : public detail::mapped_region {
 public:
  mapped_file() noexcept = default;

  // Maps `range` of the existing file at `path`. Any offset works (it need not
  // be page-aligned). A range reaching past the end of the file is
  // errc::out_of_range; an empty file or range is errc::invalid_argument.
  static mapped_file open(std::string_view path, access mode = access::read_only, file_range range = {});
  static mapped_file open(std::string_view path, access mode, file_range range, std::error_code& ec);

  const std::string& path() const noexcept { return path_; }

 private:
  mapped_file(native_handle_type handle, detail::mapped_view view, std::string path) noexcept
      : mapped_region(handle, view), path_(std::move(path)) {}

  // What each backend implements; the public overloads above report `why`.
  static mapped_file open(std::string_view path, access mode, file_range range, detail::failure& why);

  std::string path_;
};

static_assert(memory_region<mapped_file>);

}  // namespace xipc
