// What shared_memory, anonymous_memory and mapped_file have in common: an
// OS handle and a mapped view of it, released together, with bounds-checked
// copies in and out. Each backend implements release() once for all three.
#pragma once

#include <cstddef>
#include <span>
#include <system_error>
#include <utility>

#include <xipc/error.hpp>
#include <xipc/native_handle.hpp>

namespace xipc {

// How a region is mapped.
enum class access { read_only, read_write };

namespace detail {

// The view as the OS mapped it (base, length: page-aligned) and the part the
// user asked for (data, size), which may start inside the first page.
struct mapped_view {
  void* base = nullptr;
  std::size_t base_length = 0;
  std::byte* data = nullptr;
  std::size_t size = 0;
  access mode = access::read_only;
};

class mapped_region {
 public:
  mapped_region() noexcept = default;
  mapped_region(native_handle_type handle, mapped_view view) noexcept : handle_(handle), view_(view) {}
  mapped_region(mapped_region&& other) noexcept
      : handle_(std::exchange(other.handle_, invalid_native_handle)), view_(std::exchange(other.view_, {})) {}
  mapped_region& operator=(mapped_region&& other) noexcept {
    if (this != &other) {
      release();
      handle_ = std::exchange(other.handle_, invalid_native_handle);
      view_ = std::exchange(other.view_, {});
    }
    return *this;
  }
  mapped_region(const mapped_region&) = delete;
  mapped_region& operator=(const mapped_region&) = delete;
  ~mapped_region() { release(); }

  // The first byte of the region. Writing through it when !writable() faults,
  // as with any read-only mapping; write() reports that as an error instead.
  std::byte* data() const noexcept { return view_.data; }
  std::size_t size() const noexcept { return view_.size; }
  bool writable() const noexcept { return view_.mode == access::read_write; }
  bool is_open() const noexcept { return view_.data != nullptr || handle_ != invalid_native_handle; }
  native_handle_type native_handle() const noexcept { return handle_; }

  // Copies `bytes` to the region at `offset`: errc::out_of_range past the end,
  // errc::permission_denied on a read-only mapping; nothing is written then.
  std::error_code write(std::size_t offset, std::span<const std::byte> bytes) noexcept;
  // Copies from the region at `offset` into `buffer`: errc::out_of_range past the end.
  std::error_code read(std::size_t offset, std::span<std::byte> buffer) const noexcept;

 protected:
  // Unmaps the view and closes the handle; the region is empty afterwards.
  void release() noexcept;

 private:
  native_handle_type handle_ = invalid_native_handle;
  mapped_view view_;
};

}  // namespace detail
}  // namespace xipc
