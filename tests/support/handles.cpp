#include "support/handles.hpp"

#include <xipc/detail/config.hpp>

#include <stdexcept>

#if XIPC_OS_WINDOWS
#include <windows.h>
#else
#include <cerrno>
#include <filesystem>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>
#endif

namespace xipc::test {

#if XIPC_OS_WINDOWS

std::string test_binary_path() {
  wchar_t buffer[4096];
  const DWORD length = ::GetModuleFileNameW(nullptr, buffer, 4096);
  if (length == 0 || length >= 4096) throw std::runtime_error("GetModuleFileNameW failed");
  const int bytes = ::WideCharToMultiByte(CP_UTF8, 0, buffer, static_cast<int>(length), nullptr, 0, nullptr, nullptr);
  std::string path(static_cast<std::size_t>(bytes), '\0');
  ::WideCharToMultiByte(CP_UTF8, 0, buffer, static_cast<int>(length), path.data(), bytes, nullptr, nullptr);
  return path;
}

bool handle_is_open(native_handle_type handle) {
  DWORD flags = 0;
  return ::GetHandleInformation(handle, &flags) != 0;
}

bool handle_is_inheritable(native_handle_type handle) {
  DWORD flags = 0;
  return ::GetHandleInformation(handle, &flags) != 0 && (flags & HANDLE_FLAG_INHERIT) != 0;
}

native_handle_type duplicate_handle(native_handle_type handle) {
  HANDLE copy = nullptr;
  if (!::DuplicateHandle(::GetCurrentProcess(), handle, ::GetCurrentProcess(), &copy, 0, FALSE,
                         DUPLICATE_SAME_ACCESS)) {
    throw std::runtime_error("DuplicateHandle failed");
  }
  return copy;
}

void close_handle(native_handle_type handle) { ::CloseHandle(handle); }

std::pair<native_handle_type, native_handle_type> os_pipe() {
  HANDLE reader = nullptr;
  HANDLE writer = nullptr;
  if (!::CreatePipe(&reader, &writer, nullptr, 0)) throw std::runtime_error("CreatePipe failed");
  return {reader, writer};
}

std::int64_t this_process_id() { return ::GetCurrentProcessId(); }

std::size_t open_handle_count() {
  DWORD count = 0;
  ::GetProcessHandleCount(::GetCurrentProcess(), &count);
  return count;
}

bool process_exists(int pid) {
  HANDLE process = ::OpenProcess(SYNCHRONIZE, FALSE, static_cast<DWORD>(pid));
  if (process == nullptr) return false;
  const bool running = ::WaitForSingleObject(process, 0) == WAIT_TIMEOUT;
  ::CloseHandle(process);
  return running;
}

bool wait_until_ended(native_handle_type process, std::chrono::milliseconds timeout) {
  return handle_fires_within(process, timeout);
}

bool handle_fires_within(native_handle_type handle, std::chrono::milliseconds timeout) {
  return ::WaitForSingleObject(handle, static_cast<DWORD>(timeout.count())) == WAIT_OBJECT_0;
}

long read_standard_input(char* buffer, std::size_t size) {
  DWORD got = 0;
  if (!::ReadFile(::GetStdHandle(STD_INPUT_HANDLE), buffer, static_cast<DWORD>(size), &got, nullptr)) {
    return ::GetLastError() == ERROR_BROKEN_PIPE ? 0 : -1;
  }
  return static_cast<long>(got);
}

bool write_standard_output(std::string_view text) {
  DWORD put = 0;
  return ::WriteFile(::GetStdHandle(STD_OUTPUT_HANDLE), text.data(), static_cast<DWORD>(text.size()), &put,
                     nullptr) &&
         put == text.size();
}

#else

std::string test_binary_path() {
  char path[4096];
  const ssize_t length = ::readlink("/proc/self/exe", path, sizeof path - 1);
  if (length <= 0) throw std::runtime_error("cannot read /proc/self/exe");
  return std::string(path, static_cast<std::size_t>(length));
}

bool handle_is_open(native_handle_type handle) { return ::fcntl(handle, F_GETFD) != -1; }

bool handle_is_inheritable(native_handle_type handle) {
  const int flags = ::fcntl(handle, F_GETFD);
  return flags != -1 && (flags & FD_CLOEXEC) == 0;
}

native_handle_type duplicate_handle(native_handle_type handle) {
  const int copy = ::fcntl(handle, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) throw std::runtime_error("F_DUPFD_CLOEXEC failed");
  return copy;
}

void close_handle(native_handle_type handle) { ::close(handle); }

std::pair<native_handle_type, native_handle_type> os_pipe() {
  int ends[2];
  if (::pipe(ends) != 0) throw std::runtime_error("pipe failed");
  ::fcntl(ends[0], F_SETFD, FD_CLOEXEC);
  ::fcntl(ends[1], F_SETFD, FD_CLOEXEC);
  return {ends[0], ends[1]};
}

std::int64_t this_process_id() { return ::getpid(); }

std::size_t open_handle_count() {
  std::size_t count = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) ++count;
  return count;
}

bool process_exists(int pid) { return ::kill(pid, 0) == 0 || errno != ESRCH; }

bool wait_until_ended(native_handle_type process, std::chrono::milliseconds timeout) {
  return handle_fires_within(process, timeout);
}

bool handle_fires_within(native_handle_type handle, std::chrono::milliseconds timeout) {
  pollfd entry{handle, POLLIN, 0};
  for (;;) {
    const int ready = ::poll(&entry, 1, static_cast<int>(timeout.count()));
    if (ready < 0 && errno == EINTR) continue;
    return ready == 1;
  }
}

long read_standard_input(char* buffer, std::size_t size) {
  for (;;) {
    const ssize_t got = ::read(0, buffer, size);
    if (got < 0 && errno == EINTR) continue;
    return static_cast<long>(got);
  }
}

bool write_standard_output(std::string_view text) {
  return ::write(1, text.data(), text.size()) == static_cast<ssize_t>(text.size());
}

#endif

}  // namespace xipc::test
