// An OS handle that one object owns: closed on destruction, moved, never copied.
#pragma once

#include <utility>

#include <xipc/native_handle.hpp>

namespace xipc::detail {

// Closes a handle; each backend implements it once.
void close_native_handle(native_handle_type handle) noexcept;
// Closes a socket: close() on POSIX, closesocket() on Windows, where a
// socket is not closed by CloseHandle.
void close_native_socket(native_handle_type handle) noexcept;

template <void (*Close)(native_handle_type) noexcept>
class basic_owned_handle {
 public:
  basic_owned_handle() noexcept = default;
  explicit basic_owned_handle(native_handle_type handle) noexcept : handle_(handle) {}
  basic_owned_handle(basic_owned_handle&& other) noexcept : handle_(other.release()) {}
  basic_owned_handle& operator=(basic_owned_handle&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  basic_owned_handle(const basic_owned_handle&) = delete;
  basic_owned_handle& operator=(const basic_owned_handle&) = delete;
  ~basic_owned_handle() { reset(); }

  bool is_open() const noexcept { return handle_ != invalid_native_handle; }
  native_handle_type native_handle() const noexcept { return handle_; }

  // Closes the handle now; a peer waiting on the other end sees the close.
  void close() noexcept { reset(); }
  // Gives the handle up without closing it: the caller owns it now.
  native_handle_type release() noexcept { return std::exchange(handle_, invalid_native_handle); }

 private:
  void reset(native_handle_type handle = invalid_native_handle) noexcept {
    if (handle_ != invalid_native_handle) Close(handle_);
    handle_ = handle;
  }

  native_handle_type handle_ = invalid_native_handle;
};

using owned_handle = basic_owned_handle<close_native_handle>;
using owned_socket = basic_owned_handle<close_native_socket>;

}  // namespace xipc::detail
