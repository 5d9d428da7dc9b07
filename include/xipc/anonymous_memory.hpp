// An unnamed region of memory whose handle can be given to another process
// (inherited by a child, or passed over a local socket), which then maps the
// same pages with adopt(). Nothing is left behind in any namespace.
//
// Thread safety: as shared_memory: many threads may use the object at once;
// moving it must not race with use.
#pragma once

#include <cstddef>
#include <system_error>
#include <utility>

#include <xipc/concepts.hpp>
#include <xipc/passable.hpp>
#include <xipc/detail/mapped_region.hpp>

namespace xipc {
namespace detail {
struct failure;
struct handle_passing;
}

class anonymous_memory : public detail::mapped_region {
 public:
  anonymous_memory() noexcept = default;

  // Creates a zero-filled region of `size` bytes mapped read-write; size 0 is
  // errc::invalid_argument. The handle is close-on-exec.
  static anonymous_memory create(std::size_t size);
  static anonymous_memory create(std::size_t size, std::error_code& ec);

  // Takes ownership of a handle received from another process and maps the
  // whole region. The handle is closed on failure too.
  static anonymous_memory adopt(native_handle_type handle, access mode = access::read_write);
  static anonymous_memory adopt(native_handle_type handle, access mode, std::error_code& ec);

 private:
  friend struct detail::handle_passing;  // a region received from another process
  anonymous_memory(native_handle_type handle, detail::mapped_view view) noexcept : mapped_region(handle, view) {}

  // What each backend implements; the public overloads above report `why`.
  static anonymous_memory create(std::size_t size, detail::failure& why);
  static anonymous_memory adopt(native_handle_type handle, access mode, detail::failure& why);
};

static_assert(memory_region<anonymous_memory>);

template <>
struct handle_traits<anonymous_memory> : passable_as<handle_kind::anonymous_memory> {};

}  // namespace xipc
