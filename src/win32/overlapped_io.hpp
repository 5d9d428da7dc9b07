// Waiting with a deadline on Windows: one overlapped call on a handle opened
// with FILE_FLAG_OVERLAPPED (named pipes, FIFOs), given up when the deadline
// passes, and the deadline as a WaitForSingleObject timeout.
#pragma once

#include <windows.h>

#include <cstddef>
#include <system_error>

#include <xipc/deadline.hpp>

namespace xipc::detail {

// A transfer size as ReadFile/WriteFile take it (at most INT_MAX).
DWORD io_size(std::size_t size) noexcept;

// A deadline as WaitForSingleObject's timeout in milliseconds (INFINITE for forever).
unsigned long wait_milliseconds(deadline until) noexcept;

// errc::would_block for an immediate deadline, errc::timed_out for another.
std::error_code deadline_passed(deadline until) noexcept;

// How one overlapped call ended.
struct overlapped_result {
  DWORD code = ERROR_SUCCESS;  // ERROR_OPERATION_ABORTED when the deadline passed first
  DWORD bytes = 0;             // what it transferred, also when it failed or was cancelled

  bool timed_out() const noexcept { return code == ERROR_OPERATION_ABORTED; }
};

// The calling thread's manual-reset event for run_overlapped; null if none could be made.
HANDLE thread_io_event() noexcept;

// Finishes a call that `started` (its BOOL) began on `overlapped`.
overlapped_result finish_overlapped(HANDLE handle, OVERLAPPED& overlapped, BOOL started, deadline until) noexcept;

// Runs `start(OVERLAPPED&)` (ReadFile, WriteFile, ConnectNamedPipe: returns
// the call's BOOL) and waits until `until` for it to finish; past the
// deadline the call is cancelled, and whatever it had done by then is still
// reported in bytes, so nothing read or written is lost. The wait uses an
// event of the calling thread's own, so one handle can read on one thread
// while it writes on another.
template <class Start>
overlapped_result run_overlapped(HANDLE handle, deadline until, Start&& start) noexcept {
  OVERLAPPED overlapped{};
  overlapped.hEvent = thread_io_event();
  if (overlapped.hEvent == nullptr) return {::GetLastError(), 0};
  const BOOL started = start(overlapped);
  return finish_overlapped(handle, overlapped, started, until);
}

}  // namespace xipc::detail
