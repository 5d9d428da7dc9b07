// backend/doorbell.hpp on Windows. The doorbell is a manual-reset event named
// Local\xipc.bell.<id>: the wait handle itself, which WaitForMultipleObjects,
// Asio's windows::object_handle and libuv can wait on. Ringing opens it by
// name and sets it; clearing resets it. A name that already exists belongs to
// someone else and is skipped. A peer's process is not watched through the
// handle: waiters look at it once per liveness interval.
#include "backend/doorbell.hpp"

#include <fmt/format.h>
#include <windows.h>

#include "backend/os_error.hpp"
#include "backend/process_identity.hpp"
#include "sync/wait_word.hpp"

namespace xipc::detail {
namespace {

struct event_name {
  wchar_t text[40];
};

event_name name_of(std::uint64_t id) noexcept {
  char ascii[40];
  const auto written = fmt::format_to_n(ascii, sizeof ascii - 1, "Local\\xipc.bell.{:016x}", id);
  *written.out = '\0';
  event_name name{};
  for (std::size_t i = 0; i < sizeof ascii; ++i) name.text[i] = static_cast<wchar_t>(ascii[i]);
  return name;
}

}  // namespace

bool open_doorbell(doorbell_handles& bell, failure& why) {
  close_doorbell(bell);
  for (int attempt = 0;; ++attempt) {
    const std::uint64_t id = new_random_key();
    HANDLE event = ::CreateEventW(nullptr, TRUE, FALSE, name_of(id).text);
    const DWORD error = ::GetLastError();
    if (event != nullptr && error != ERROR_ALREADY_EXISTS) {
      bell.wait = event;
      bell.id = id;
      return true;
    }
    if (event != nullptr) ::CloseHandle(event);
    if (attempt == 15 || (event == nullptr && error != ERROR_ACCESS_DENIED)) {
      why = os_failure(fmt::format("CreateEventW(\"Local\\xipc.bell.{:016x}\")", id), event ? ERROR_ALREADY_EXISTS : error);
      return false;
    }
  }
}

void close_doorbell(doorbell_handles& bell) noexcept {
  if (bell.wait != invalid_native_handle) ::CloseHandle(bell.wait);
  bell = {};
}

bool clear_doorbell(doorbell_handles& bell) noexcept {
  // Whether it was set is not told; ringing is the only way it is.
  if (bell.wait != invalid_native_handle) ::ResetEvent(bell.wait);
  return true;
}

bool watch_process_with(doorbell_handles& bell, std::uint64_t token, bool look) noexcept {
  if (token == bell.watched_token && !look) return true;
  bell.watched_token = token;
  return token == 0 || process_alive(token);
}

// No handle tells of a process's end here: waiters look on a timer.
bool doorbell_watches_processes(const doorbell_handles&) noexcept { return false; }

void ring_doorbell(std::uint64_t id) noexcept {
  if (id == 0) return;
  HANDLE event = ::OpenEventW(EVENT_MODIFY_STATE, FALSE, name_of(id).text);
  if (event == nullptr) return;  // nobody holds it any more
  ::SetEvent(event);
  ::CloseHandle(event);
}

}  // namespace xipc::detail
