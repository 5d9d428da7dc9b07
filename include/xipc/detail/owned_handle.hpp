// An OS handle that one object owns: closed on destruction, moved, never copied.
#pragma once

#include <utility>

#include <xipc/native_handle.hpp>

namespace xipc::detail {

// Closes a handle; each backend implements it once.
void close_native_handle(native_handle_type handle) noexcept;

class owned_handle {
 public:
  owned_handle() noexcept = default;
  explicit owned_handle(native_handle_type handle) noexcept : handle_(handle) {}
  owned_handle(owned_handle&& other) noexcept : handle_(other.release()) {}
  owned_handle& operator=(owned_handle&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  owned_handle(const owned_handle&) = delete;
  owned_handle& operator=(const owned_handle&) = delete;
  ~owned_handle() { reset(); }

  bool is_open() const noexcept { return handle_ != invalid_native_handle; }
  native_handle_type native_handle() const noexcept { return handle_; }

  // Closes the handle now; a peer waiting on the other end sees the close.
  void close() noexcept { reset(); }
  // Gives the handle up without closing it: the caller owns it now.
  native_handle_type release() noexcept { return std::exchange(handle_, invalid_native_handle); }

 private:
  void reset(native_handle_type handle = invalid_native_handle) noexcept {
    if (handle_ != invalid_native_handle) close_native_handle(handle_);
    handle_ = handle;
  }

  native_handle_type handle_ = invalid_native_handle;
};

}  // namespace xipc::detail
