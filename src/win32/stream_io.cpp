#include "backend/stream_io.hpp"

#include <windows.h>

#include <algorithm>

#include "win32/os_error.hpp"
#include "win32/overlapped_io.hpp"

// Windows anonymous pipes cannot be waited on (no overlapped I/O, no poll):
// a finite deadline looks with PeekNamedPipe (reading) or writes in
// PIPE_NOWAIT mode (writing), and between looks yields, then sleeps a
// millisecond at a time. A deadline of forever is one blocking call.

namespace xipc::detail {
namespace {

// The pause between two looks: a few yields for a peer that is about to act,
// then 1 ms sleeps.
void pause_before_next_look(int& looks) noexcept {
  constexpr int yields = 16;
  if (looks++ < yields) {
    ::SwitchToThread();
  } else {
    ::Sleep(1);
  }
}

// Bytes readable now without blocking; errc::end_of_stream once the writers are gone.
std::error_code readable_bytes(HANDLE handle, DWORD& available) noexcept {
  available = 0;
  if (::PeekNamedPipe(handle, nullptr, 0, nullptr, &available, nullptr)) return {};
  const DWORD code = ::GetLastError();
  if (code == ERROR_BROKEN_PIPE) return make_error_code(errc::end_of_stream);
  return error_from_os(code);
}

// Waits until bytes are readable (`available` > 0) or the writers are gone
// (errc::end_of_stream), or the deadline passes.
std::error_code wait_for_bytes(HANDLE handle, deadline until, DWORD& available) noexcept {
  for (int looks = 0;;) {
    const std::error_code ec = readable_bytes(handle, available);
    if (ec || available > 0) return ec;
    if (until.is_immediate() || until.expired()) return deadline_passed(until);
    pause_before_next_look(looks);
  }
}

// Sets the handle's wait mode; byte mode always (both ends of a stream pipe are).
bool set_wait_mode(HANDLE handle, bool wait) noexcept {
  DWORD mode = PIPE_READMODE_BYTE | (wait ? PIPE_WAIT : PIPE_NOWAIT);
  return ::SetNamedPipeHandleState(handle, &mode, nullptr, nullptr) != 0;
}

}  // namespace

std::error_code wait_readable(native_handle_type handle, deadline until) noexcept {
  DWORD available = 0;
  const std::error_code ec = wait_for_bytes(handle, until, available);
  return ec == errc::end_of_stream ? std::error_code{} : ec;  // hung up counts as readable
}

io_result read_some_handle(native_handle_type handle, std::span<std::byte> buffer, deadline until) noexcept {
  if (buffer.empty()) return {};
  DWORD want = io_size(buffer.size());
  if (!until.is_forever()) {
    DWORD available = 0;
    if (const std::error_code ec = wait_for_bytes(handle, until, available)) return {0, ec};
    // Only what is there: ReadFile must not block past the deadline.
    want = std::min(want, available);
  }
  DWORD got = 0;
  if (::ReadFile(handle, buffer.data(), want, &got, nullptr)) {
    if (got == 0) return {0, make_error_code(errc::end_of_stream)};
    return {got, {}};
  }
  const DWORD code = ::GetLastError();
  if (code == ERROR_BROKEN_PIPE || code == ERROR_HANDLE_EOF) return {0, make_error_code(errc::end_of_stream)};
  return {0, error_from_os(code)};
}

io_result write_some_handle(native_handle_type handle, std::span<const std::byte> data, deadline until) noexcept {
  if (data.empty()) return {};
  const DWORD size = io_size(data.size());
  DWORD put = 0;
  if (until.is_forever()) {
    if (::WriteFile(handle, data.data(), size, &put, nullptr)) return {put, {}};
    const DWORD code = ::GetLastError();
    return {0, code == ERROR_BROKEN_PIPE || code == ERROR_NO_DATA ? make_error_code(errc::peer_closed)
                                                                   : error_from_os(code)};
  }
  // A handle that is no pipe (a file, the console) never blocks for long: write it plainly.
  const bool is_pipe = ::GetFileType(handle) == FILE_TYPE_PIPE;
  for (int looks = 0;;) {
    // In PIPE_NOWAIT mode a write returns at once. Windows takes what fits;
    // Wine takes all or nothing, so a refused write is tried again with half
    // as much, down to one byte, before the pipe counts as full.
    if (is_pipe && !set_wait_mode(handle, false)) return {0, error_from_os(::GetLastError())};
    BOOL ok = FALSE;
    DWORD code = ERROR_SUCCESS;
    for (DWORD chunk = size; chunk > 0; chunk /= 2) {
      ok = ::WriteFile(handle, data.data(), chunk, &put, nullptr);
      code = ok ? ERROR_SUCCESS : ::GetLastError();
      if (!ok || put > 0 || !is_pipe) break;
    }
    if (is_pipe) set_wait_mode(handle, true);
    if (ok && put > 0) return {put, {}};
    if (!ok) {
      if (code == ERROR_BROKEN_PIPE || code == ERROR_NO_DATA) return {0, make_error_code(errc::peer_closed)};
      return {0, error_from_os(code)};
    }
    if (until.is_immediate() || until.expired()) return {0, deadline_passed(until)};
    pause_before_next_look(looks);
  }
}

// Windows has no SIGPIPE: a write without a reader is ERROR_NO_DATA, never a signal.
bool sigpipe_ignored(failure& /*why*/) { return true; }

}  // namespace xipc::detail
