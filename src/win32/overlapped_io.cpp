#include "win32/overlapped_io.hpp"

#include <xipc/error.hpp>

#include <climits>

#include <algorithm>
#include <chrono>

namespace xipc::detail {
namespace {

// Closes the thread's event when the thread ends.
struct thread_event {
  HANDLE handle = ::CreateEventW(nullptr, TRUE, FALSE, nullptr);
  thread_event() = default;
  thread_event(const thread_event&) = delete;
  thread_event& operator=(const thread_event&) = delete;
  ~thread_event() {
    if (handle != nullptr) ::CloseHandle(handle);
  }
};

}  // namespace

DWORD io_size(std::size_t size) noexcept { return static_cast<DWORD>(std::min<std::size_t>(size, INT_MAX)); }

unsigned long wait_milliseconds(deadline until) noexcept {
  if (until.is_forever()) return INFINITE;
  if (until.is_immediate()) return 0;
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(until.remaining()).count();
  return left <= 0 ? 0 : static_cast<unsigned long>(std::min<long long>(left, INFINITE - 1));
}

std::error_code deadline_passed(deadline until) noexcept {
  return make_error_code(until.is_immediate() ? errc::would_block : errc::timed_out);
}

HANDLE thread_io_event() noexcept {
  thread_local thread_event event;
  return event.handle;
}

overlapped_result finish_overlapped(HANDLE handle, OVERLAPPED& overlapped, BOOL started, deadline until) noexcept {
  if (!started) {
    const DWORD code = ::GetLastError();
    // ERROR_MORE_DATA (a message larger than the buffer) has still read the buffer's worth.
    if (code != ERROR_IO_PENDING && code != ERROR_MORE_DATA) return {code, 0};
    if (code == ERROR_IO_PENDING) {
      // WaitForSingleObject's milliseconds can end a little early; the deadline decides.
      for (;;) {
        const DWORD waited = ::WaitForSingleObject(overlapped.hEvent, wait_milliseconds(until));
        if (waited == WAIT_OBJECT_0) break;
        if (waited != WAIT_TIMEOUT || until.is_immediate() || until.expired()) {
          ::CancelIoEx(handle, &overlapped);
          break;
        }
      }
    }
  }
  overlapped_result result;
  if (!::GetOverlappedResult(handle, &overlapped, &result.bytes, TRUE)) result.code = ::GetLastError();
  return result;
}

}  // namespace xipc::detail
