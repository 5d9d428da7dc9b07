#include <xipc/pipe.hpp>

#include "backend/pipe.hpp"

#include <windows.h>

#include "win32/os_error.hpp"

namespace xipc {

// Windows does not bound it: one WriteFile reaches the reader as a whole,
// never interleaved with another writer's. xipc promises what POSIX does.
std::size_t pipe_atomic_write_bytes() noexcept { return 4096; }

namespace detail {

// The buffer CreatePipe is asked for: the 64 KiB a Linux pipe starts with.
constexpr DWORD pipe_buffer_bytes = 65536;

pipe_ends open_pipe(failure& why) {
  HANDLE reader = nullptr;
  HANDLE writer = nullptr;
  // Not inheritable: a child gets an end only through child_process, which
  // duplicates exactly the handles it is given (the twin of close-on-exec).
  if (!::CreatePipe(&reader, &writer, nullptr, pipe_buffer_bytes)) {
    why = last_os_failure("CreatePipe");
    return {};
  }
  return {pipe_reader(reader), pipe_writer(writer)};
}

std::size_t pipe_end::capacity() const noexcept {
  DWORD out_bytes = 0;
  DWORD in_bytes = 0;
  if (!::GetNamedPipeInfo(native_handle(), nullptr, &out_bytes, &in_bytes, nullptr)) return 0;
  return std::max(out_bytes, in_bytes);
}

std::error_code pipe_end::set_capacity(std::size_t bytes) noexcept {
  // A Windows pipe's buffer is fixed when it is created.
  if (bytes <= capacity()) return {};
  return make_error_code(errc::invalid_argument);
}

}  // namespace detail
}  // namespace xipc
