#include "win32/pipe_instance.hpp"

#include <fmt/format.h>
#include <sddl.h>

#include <algorithm>
#include <memory>
#include <string>

#include <xipc/name.hpp>

#include "win32/object_owner.hpp"
#include "win32/os_error.hpp"
#include "win32/overlapped_io.hpp"

namespace xipc::detail {
namespace {

// How a FIFO's writer looks again for a reader: from 1 ms up to this.
constexpr DWORD reader_poll_longest_ms = 10;

// One WriteFile of all of `data`, waiting until `until`.
io_result write_whole(HANDLE pipe, std::span<const std::byte> data, deadline until) noexcept {
  if (data.empty()) return {};
  const overlapped_result put = run_overlapped(pipe, until, [&](OVERLAPPED& overlapped) {
    return ::WriteFile(pipe, data.data(), io_size(data.size()), nullptr, &overlapped);
  });
  if (put.bytes > 0 || put.code == ERROR_SUCCESS) return {put.bytes, {}};
  if (put.timed_out()) return {0, deadline_passed(until)};
  if (put.code == ERROR_BROKEN_PIPE || put.code == ERROR_NO_DATA) return {0, make_error_code(errc::peer_closed)};
  return {0, error_from_os(put.code)};
}

}  // namespace

std::string named_pipe_path(std::string_view name, failure& why, name_kind kind) {
  std::string reason;
  if (validate_name(name, &reason)) {
    why = refuse(errc::invalid_name, std::move(reason));
    return {};
  }
  return os_name(kind, name, target_os::windows);
}

HANDLE create_pipe_instance(const std::wstring& path, pipe_mode mode, pipe_direction direction, bool first,
                            failure& why) {
  // FILE_FLAG_FIRST_PIPE_INSTANCE refuses a name that is served already on
  // Windows, but Wine 8 ignores it: look for the name first (WaitNamedPipeW
  // does not connect, so the live server loses no client to the look).
  if (first && (::WaitNamedPipeW(path.c_str(), NMPWAIT_NOWAIT) || ::GetLastError() != ERROR_FILE_NOT_FOUND)) {
    why = refuse(errc::already_exists, "a server of this name is running");
    return INVALID_HANDLE_VALUE;
  }
  const DWORD open_mode = (direction == pipe_direction::both ? PIPE_ACCESS_DUPLEX : PIPE_ACCESS_INBOUND) |
                          FILE_FLAG_OVERLAPPED | (first ? FILE_FLAG_FIRST_PIPE_INSTANCE : 0);
  const DWORD type = mode == pipe_mode::message ? PIPE_TYPE_MESSAGE | PIPE_READMODE_MESSAGE
                                                : PIPE_TYPE_BYTE | PIPE_READMODE_BYTE;
  const HANDLE pipe = ::CreateNamedPipeW(path.c_str(), open_mode, type | PIPE_WAIT | PIPE_REJECT_REMOTE_CLIENTS,
                                         PIPE_UNLIMITED_INSTANCES, pipe_buffer_bytes, pipe_buffer_bytes, 0,
                                         owner_only_security());
  if (pipe != INVALID_HANDLE_VALUE) return pipe;
  const DWORD code = ::GetLastError();
  why = os_failure("CreateNamedPipeW", code);
  // FILE_FLAG_FIRST_PIPE_INSTANCE fails with access denied when the name is served.
  if (first && code == ERROR_ACCESS_DENIED) {
    why.code = make_error_code(errc::already_exists);
    why.detail = fmt::format("a server of this name is running ({})", why.detail);
  }
  return INVALID_HANDLE_VALUE;
}

HANDLE open_pipe_client(const std::string& path, DWORD access, no_server if_none, deadline until, failure& why) {
  const std::wstring wide = widen(path, why);
  if (why) return INVALID_HANDLE_VALUE;
  DWORD pause_ms = 1;
  for (;;) {
    // SECURITY_IDENTIFICATION: the server may learn who the client is, not act as it.
    const HANDLE pipe = ::CreateFileW(wide.c_str(), access, 0, nullptr, OPEN_EXISTING,
                                      FILE_FLAG_OVERLAPPED | SECURITY_SQOS_PRESENT | SECURITY_IDENTIFICATION, nullptr);
    if (pipe != INVALID_HANDLE_VALUE) return pipe;
    const DWORD code = ::GetLastError();
    const bool busy = code == ERROR_PIPE_BUSY;
    const bool none = code == ERROR_FILE_NOT_FOUND && if_none == no_server::waits;
    if (!busy && !none) {
      why = os_failure(fmt::format("CreateFileW(\"{}\")", path), code);
      if (code == ERROR_FILE_NOT_FOUND) why.detail = fmt::format("no server listens ({})", why.detail);
      return INVALID_HANDLE_VALUE;
    }
    if (until.is_immediate() || until.expired()) {
      const std::string_view reason = busy ? "every instance of the pipe has a client already"
                                           : "no reader has the FIFO open";
      why = refuse(until.is_immediate() ? errc::would_block : errc::timed_out,
                   until.is_immediate() ? std::string(reason) : fmt::format("{} until the deadline", reason));
      return INVALID_HANDLE_VALUE;
    }
    if (busy) {
      // Waits for a free instance; 0 would mean the pipe's default timeout.
      ::WaitNamedPipeW(wide.c_str(), std::max<DWORD>(1, wait_milliseconds(until)));
    } else {
      ::Sleep(std::min<DWORD>(pause_ms, wait_milliseconds(until)));
      pause_ms = std::min<DWORD>(pause_ms * 2, reader_poll_longest_ms);
    }
  }
}

bool check_pipe_mode(HANDLE pipe, pipe_mode mode, failure& why) {
  DWORD flags = 0;
  if (!::GetNamedPipeInfo(pipe, &flags, nullptr, nullptr, nullptr)) {
    why = last_os_failure("GetNamedPipeInfo");
    return false;
  }
  const bool server_messages = (flags & PIPE_TYPE_MESSAGE) != 0;
  if (server_messages != (mode == pipe_mode::message)) {
    why = refuse(errc::invalid_argument, server_messages ? "the server is in message mode, the client asked for bytes"
                                                         : "the server is in byte mode, the client asked for messages");
    return false;
  }
  DWORD read_mode = PIPE_READMODE_MESSAGE;
  if (server_messages && !::SetNamedPipeHandleState(pipe, &read_mode, nullptr, nullptr)) {
    why = last_os_failure("SetNamedPipeHandleState(PIPE_READMODE_MESSAGE)");
    return false;
  }
  return true;
}

io_result pipe_read_some(HANDLE pipe, std::span<std::byte> buffer, deadline until) noexcept {
  if (buffer.empty()) return {};
  const overlapped_result got = run_overlapped(pipe, until, [&](OVERLAPPED& overlapped) {
    return ::ReadFile(pipe, buffer.data(), io_size(buffer.size()), nullptr, &overlapped);
  });
  if (got.bytes > 0) return {got.bytes, {}};
  if (got.code == ERROR_SUCCESS || got.code == ERROR_BROKEN_PIPE || got.code == ERROR_HANDLE_EOF) {
    return {0, make_error_code(errc::end_of_stream)};
  }
  if (got.timed_out()) return {0, deadline_passed(until)};
  return {0, error_from_os(got.code)};
}

io_result pipe_write_some(HANDLE pipe, std::span<const std::byte> data, deadline until) noexcept {
  // A write that may be cancelled is at most a buffer's worth, so that it
  // either fits at once or waits whole (what a cancelled write had moved is
  // reported by Windows; Wine reports nothing moved when it waited).
  if (!until.is_forever()) data = data.first(std::min<std::size_t>(data.size(), pipe_buffer_bytes));
  return write_whole(pipe, data, until);
}

std::error_code send_pipe_message(HANDLE pipe, std::span<const std::byte> message, deadline until) noexcept {
  // One WriteFile, however large: in message mode each write is a message.
  // It goes whole or not at all, since the reader takes messages whole: a
  // write that the deadline cancels has not been read in part.
  const io_result put = write_whole(pipe, message, until);
  if (!put.error && put.bytes != message.size()) return make_error_code(errc::corrupted);
  return put.error;
}

io_result receive_pipe_message(HANDLE pipe, std::span<std::byte> buffer, deadline until) noexcept {
  for (;;) {
    DWORD available = 0;
    DWORD message_bytes = 0;
    if (!::PeekNamedPipe(pipe, nullptr, 0, nullptr, &available, &message_bytes)) {
      const DWORD code = ::GetLastError();
      return {0, code == ERROR_BROKEN_PIPE ? make_error_code(errc::peer_closed) : error_from_os(code)};
    }
    if (available > 0) {
      if (message_bytes > buffer.size()) return {message_bytes, make_error_code(errc::message_too_large)};
      const overlapped_result got = run_overlapped(pipe, until, [&](OVERLAPPED& overlapped) {
        return ::ReadFile(pipe, buffer.data(), io_size(buffer.size()), nullptr, &overlapped);
      });
      if (got.code == ERROR_SUCCESS) return {got.bytes, {}};
      if (!got.timed_out()) return {0, error_from_os(got.code)};
      // Another thread took the message first; wait for the next one.
    }
    // A read of no bytes waits for the next message without taking it.
    std::byte none{};
    const overlapped_result arrived = run_overlapped(pipe, until, [&](OVERLAPPED& overlapped) {
      return ::ReadFile(pipe, &none, 0, nullptr, &overlapped);
    });
    if (arrived.timed_out()) return {0, deadline_passed(until)};
    if (arrived.code == ERROR_BROKEN_PIPE) return {0, make_error_code(errc::peer_closed)};
    if (arrived.code != ERROR_SUCCESS && arrived.code != ERROR_MORE_DATA) return {0, error_from_os(arrived.code)};
  }
}

}  // namespace xipc::detail
