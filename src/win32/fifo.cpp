#include <xipc/fifo.hpp>

#include <fmt/format.h>
#include <windows.h>

#include <array>
#include <string>

#include "win32/os_error.hpp"
#include "win32/overlapped_io.hpp"
#include "win32/pipe_instance.hpp"

// Windows has no FIFOs in its filesystem. A FIFO here is two things: a small
// marker file at the path, which gives the FIFO its place and its lifetime
// (create, remove, "not found", "not a FIFO" work as on POSIX), and an
// inbound byte-mode named pipe named after that file's identity, through
// which the bytes go. The reader is the pipe's server and each writer a
// client. docs/windows.md lists what differs.

namespace xipc {
namespace {

// What a marker file holds, exactly.
constexpr std::string_view marker = "xipc fifo: the bytes go through a named pipe (see xipc's docs/windows.md)\n";

// Opens the file at `path` to look at it, sharing everything so that it can
// still be removed meanwhile.
HANDLE open_to_look(const std::wstring& path) {
  return ::CreateFileW(path.c_str(), GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
                       OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, nullptr);  // BACKUP_SEMANTICS opens directories too
}

// The pipe name of the FIFO at `path`: its file's volume and index, so that
// every spelling of the path (case, relative, links) meets the same pipe.
// Errors: errc::not_found for a missing path, errc::invalid_argument for
// anything that is not a marker file.
std::string pipe_of(std::string_view path, detail::failure& why) {
  const std::wstring wide = detail::widen(path, why);
  if (why) return {};
  const HANDLE file = open_to_look(wide);
  if (file == INVALID_HANDLE_VALUE) {
    why = detail::last_os_failure(fmt::format("CreateFileW(\"{}\")", path));
    return {};
  }
  BY_HANDLE_FILE_INFORMATION info{};
  std::array<char, marker.size() + 1> content{};
  DWORD got = 0;
  const bool looked = ::GetFileInformationByHandle(file, &info) != 0;
  const bool is_directory = looked && (info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) != 0;
  const bool is_marker = looked && !is_directory &&
                         ::ReadFile(file, content.data(), static_cast<DWORD>(content.size()), &got, nullptr) &&
                         std::string_view(content.data(), got) == marker;
  ::CloseHandle(file);
  if (!looked) {
    why = detail::last_os_failure(fmt::format("GetFileInformationByHandle(\"{}\")", path));
    return {};
  }
  if (!is_marker) {
    why = detail::refuse(errc::invalid_argument,
                         fmt::format("the path is {}, not a FIFO", is_directory ? "a directory" : "a regular file"));
    return {};
  }
  return fmt::format("\\\\.\\pipe\\xipc-fifo.{:08x}.{:08x}{:08x}", info.dwVolumeSerialNumber, info.nFileIndexHigh,
                     info.nFileIndexLow);
}

bool is_not_connected(DWORD code) { return code == ERROR_PIPE_LISTENING || code == ERROR_PIPE_NOT_CONNECTED; }

}  // namespace

io_result fifo_reader::read_some(std::span<std::byte> buffer, deadline until) noexcept {
  if (buffer.empty()) return {};
  const HANDLE pipe = native_handle();
  for (;;) {
    const detail::overlapped_result got = detail::run_overlapped(pipe, until, [&](OVERLAPPED& overlapped) {
      return ::ReadFile(pipe, buffer.data(), detail::io_size(buffer.size()), nullptr, &overlapped);
    });
    if (got.bytes > 0) return {got.bytes, {}};
    if (got.timed_out()) return {0, detail::deadline_passed(until)};
    if (got.code == ERROR_BROKEN_PIPE || got.code == ERROR_SUCCESS) {
      // The writer came and went. Make room for the next one: its bytes
      // follow at a later read, as on POSIX after the end of stream.
      ::DisconnectNamedPipe(pipe);
      return {0, make_error_code(errc::end_of_stream)};
    }
    if (!is_not_connected(got.code)) return {0, detail::error_from_os(got.code)};
    // No writer yet (a fresh instance listens; one after DisconnectNamedPipe
    // does once ConnectNamedPipe is called): wait for one, then read.
    const detail::overlapped_result connected = detail::run_overlapped(
        pipe, until, [&](OVERLAPPED& overlapped) { return ::ConnectNamedPipe(pipe, &overlapped); });
    if (connected.timed_out()) return {0, detail::deadline_passed(until)};
    // ERROR_NO_DATA: a writer came and went before the wait; the read sees its bytes, then the end.
    if (connected.code != ERROR_SUCCESS && connected.code != ERROR_PIPE_CONNECTED && connected.code != ERROR_NO_DATA) {
      return {0, detail::error_from_os(connected.code)};
    }
  }
}

io_result fifo_writer::write_some(std::span<const std::byte> data, deadline until) noexcept {
  return detail::pipe_write_some(native_handle(), data, until);
}

bool fifo::create(std::string_view path, permissions, detail::failure& why) {
  const std::wstring wide = detail::widen(path, why);
  if (why) return false;
  const HANDLE file = ::CreateFileW(wide.c_str(), GENERIC_WRITE, 0, nullptr, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, nullptr);
  if (file == INVALID_HANDLE_VALUE) {
    why = detail::last_os_failure(fmt::format("CreateFileW(\"{}\", CREATE_NEW)", path));
    return false;
  }
  DWORD put = 0;
  const bool written = ::WriteFile(file, marker.data(), static_cast<DWORD>(marker.size()), &put, nullptr) &&
                       put == marker.size();
  if (!written) why = detail::last_os_failure(fmt::format("WriteFile(\"{}\")", path));
  ::CloseHandle(file);
  if (!written) ::DeleteFileW(wide.c_str());
  return written;
}

bool fifo::remove(std::string_view path, detail::failure& why) {
  pipe_of(path, why);
  if (why.code == errc::not_found) {
    why = {};
    return false;
  }
  if (why) {
    if (why.code == errc::invalid_argument) why.detail += ": not removed";
    return false;
  }
  const std::wstring wide = detail::widen(path, why);
  if (::DeleteFileW(wide.c_str())) return true;
  const DWORD code = ::GetLastError();
  if (code == ERROR_FILE_NOT_FOUND) return false;
  why = detail::os_failure(fmt::format("DeleteFileW(\"{}\")", path), code);
  return false;
}

fifo_reader fifo::open_reader(std::string_view path, permissions /*perms: the pipe has an owner-only DACL*/,
                              detail::failure& why) {
  const std::string pipe_path = pipe_of(path, why);
  if (why) return {};
  const std::wstring wide = detail::widen(pipe_path, why);
  const HANDLE pipe =
      detail::create_pipe_instance(wide, pipe_mode::byte, detail::pipe_direction::inbound, false, why);
  if (why) return {};
  return fifo_reader(pipe);
}

fifo_writer fifo::open_writer(std::string_view path, deadline until, permissions /*perms*/, detail::failure& why) {
  const std::string pipe_path = pipe_of(path, why);
  if (why) return {};
  const HANDLE pipe = detail::open_pipe_client(pipe_path, GENERIC_WRITE, detail::no_server::waits, until, why);
  if (why) return {};
  return fifo_writer(pipe);
}

}  // namespace xipc
