#include "backend/process_identity.hpp"

#include <windows.h>

namespace xipc::detail {
namespace {

// The low 32 bits of a process's creation time (100 ns units): with the
// process id, unique for far longer than a process id is ever reused.
std::uint64_t creation_bits(HANDLE process) noexcept {
  FILETIME created{};
  FILETIME exited{};
  FILETIME kernel{};
  FILETIME user{};
  if (!::GetProcessTimes(process, &created, &exited, &kernel, &user)) return 0;
  return created.dwLowDateTime;
}

std::uint64_t make_token(std::uint32_t pid, std::uint64_t creation) noexcept {
  return (std::uint64_t{pid} << 32) | (creation & 0xffffffffu);
}

}  // namespace

// Windows has no fork: the token computed once stays this process's.
std::atomic<std::uint64_t> process_token_cache{0};

std::uint64_t read_process_token() noexcept {
  const std::uint64_t token = make_token(::GetCurrentProcessId(), creation_bits(::GetCurrentProcess()));
  process_token_cache.store(token, std::memory_order_relaxed);
  return token;
}

bool process_alive(std::uint64_t token) noexcept {
  const std::uint32_t pid = token_process_id(token);
  if (pid == 0) return false;
  HANDLE process = ::OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION | SYNCHRONIZE, FALSE, pid);
  if (process == nullptr) {
    // No such process; or one we may not look at, which is then alive.
    return ::GetLastError() == ERROR_ACCESS_DENIED;
  }
  // A process that has ended but whose handle someone still holds is not alive.
  const bool running = ::WaitForSingleObject(process, 0) == WAIT_TIMEOUT;
  const bool same = make_token(pid, creation_bits(process)) == token;
  ::CloseHandle(process);
  return running && same;
}

}  // namespace xipc::detail
