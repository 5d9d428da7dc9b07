#include <xipc/child_process.hpp>

#include <fmt/format.h>
#include <windows.h>

#include <algorithm>
#include <vector>

#include "win32/os_error.hpp"
#include "win32/overlapped_io.hpp"
#include "win32/process_spawn.hpp"
#include "backend/pipe.hpp"

namespace xipc {
namespace {

// The handle one standard stream of the child gets. A pipe end for the child
// is kept in `child_ends` until the spawn is done; the parent's end goes to `parent_end`.
native_handle_type route(const stdio& where, DWORD standard, bool child_reads,
                         std::vector<detail::owned_handle>& child_ends, detail::owned_handle& parent_end,
                         detail::failure& why) {
  switch (where.what()) {
    case stdio::kind::inherit:
      return ::GetStdHandle(standard);
    case stdio::kind::null: {
      HANDLE null = ::CreateFileW(L"NUL", child_reads ? GENERIC_READ : GENERIC_WRITE,
                                  FILE_SHARE_READ | FILE_SHARE_WRITE, nullptr, OPEN_EXISTING, 0, nullptr);
      if (null == INVALID_HANDLE_VALUE) {
        why = detail::last_os_failure("CreateFileW(\"NUL\")");
        return nullptr;
      }
      return child_ends.emplace_back(null).native_handle();
    }
    case stdio::kind::handle:
      return where.handle();
    case stdio::kind::pipe: {
      pipe_ends ends = detail::open_pipe(why);
      if (why) return nullptr;
      detail::owned_handle child_end = child_reads ? detail::owned_handle(ends.reader.release())
                                                   : detail::owned_handle(ends.writer.release());
      parent_end = child_reads ? detail::owned_handle(ends.writer.release()) : detail::owned_handle(ends.reader.release());
      return child_ends.emplace_back(std::move(child_end)).native_handle();
    }
  }
  return nullptr;
}

}  // namespace

child_process child_process::spawn(std::string_view program, std::span<const std::string> args,
                                   const spawn_options& options, detail::failure& why) {
  std::vector<detail::owned_handle> child_ends;
  detail::owned_handle parent_in;
  detail::owned_handle parent_out;
  detail::owned_handle parent_err;
  detail::spawn_request request;
  request.standard[0] = route(options.in, STD_INPUT_HANDLE, true, child_ends, parent_in, why);
  if (!why) request.standard[1] = route(options.out, STD_OUTPUT_HANDLE, false, child_ends, parent_out, why);
  if (!why) request.standard[2] = route(options.err, STD_ERROR_HANDLE, false, child_ends, parent_err, why);
  if (why) return {};
  request.program = program;
  request.args = args;
  detail::spawned started = detail::spawn_process(request, why);
  if (why) return {};
  // child_ends close when this returns: the parent's copies of the child's ends
  // must go, or a reader of the child's output never sees end of stream.
  child_process child;
  child.id_ = static_cast<int>(started.id);
  child.process_ = std::move(started.process);
  child.in_ = pipe_writer(parent_in.release());
  child.out_ = pipe_reader(parent_out.release());
  child.err_ = pipe_reader(parent_err.release());
  return child;
}

std::error_code child_process::wait(exit_status& status, deadline until) noexcept {
  if (ended_) {
    status = status_;
    return {};
  }
  if (id_ <= 0 || !process_.is_open()) return make_error_code(errc::invalid_argument);
  const DWORD result = ::WaitForSingleObject(process_.native_handle(), detail::wait_milliseconds(until));
  if (result == WAIT_TIMEOUT) return make_error_code(until.is_immediate() ? errc::would_block : errc::timed_out);
  if (result != WAIT_OBJECT_0) return detail::error_from_os(::GetLastError());
  DWORD code = 0;
  if (!::GetExitCodeProcess(process_.native_handle(), &code)) return detail::error_from_os(::GetLastError());
  ended_ = true;
  // Windows has no signals: a killed child has the exit code kill() gave it.
  status_ = exit_status{false, static_cast<int>(code), 0};
  process_.close();
  status = status_;
  return {};
}

std::error_code child_process::kill() noexcept {
  if (id_ <= 0 || ended_ || !process_.is_open()) return {};
  if (!::TerminateProcess(process_.native_handle(), detail::killed_exit_code)) {
    const DWORD code = ::GetLastError();
    // ERROR_ACCESS_DENIED is also what a process that is already ending gives.
    if (code == ERROR_ACCESS_DENIED && ::WaitForSingleObject(process_.native_handle(), 0) == WAIT_OBJECT_0) return {};
    return detail::error_from_os(code);
  }
  return {};
}

}  // namespace xipc
