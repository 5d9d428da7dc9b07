// backend/process_identity.hpp on macOS: a process's start time from
// proc_pidinfo(PROC_PIDTBSDINFO), which with its pid names it for as long as
// the machine runs (the twin of linux/process_identity_proc.cpp, which reads
// /proc/<pid>/stat). macOS 10.5 and later.
#include "backend/process_identity.hpp"

#include <libproc.h>
#include <pthread.h>
#include <signal.h>
#include <sys/proc.h>
#include <sys/proc_info.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

namespace xipc::detail {
namespace {

enum class lookup { found, gone, hidden };

struct process_status {
  lookup result = lookup::gone;
  bool zombie = false;
  std::uint64_t start_time = 0;  // microseconds since the epoch
};

process_status read_status(std::uint32_t pid) noexcept {
  proc_bsdinfo info{};
  const int size = ::proc_pidinfo(static_cast<int>(pid), PROC_PIDTBSDINFO, 0, &info, sizeof info);
  if (size != static_cast<int>(sizeof info)) {
    // ESRCH: no such process. EPERM (a sandbox may hide other processes):
    // only kill(pid, 0) can tell, and then not the start time.
    return {errno == EPERM ? lookup::hidden : lookup::gone};
  }
  process_status status;
  status.result = lookup::found;
  status.zombie = info.pbi_status == SZOMB;
  status.start_time = info.pbi_start_tvsec * 1000000u + info.pbi_start_tvusec;
  return status;
}

std::uint64_t make_token(std::uint32_t pid, std::uint64_t start_time) noexcept {
  return (std::uint64_t{pid} << 32) | (start_time & 0xffffffffu);
}

void forget_token_in_child() noexcept { process_token_cache.store(0, std::memory_order_relaxed); }

}  // namespace

// Read once. A forked child is another process: the fork handler clears the
// copy it inherits; without the handler nothing is cached.
std::atomic<std::uint64_t> process_token_cache{0};

std::uint64_t read_process_token() noexcept {
  static const bool fork_handler = ::pthread_atfork(nullptr, nullptr, forget_token_in_child) == 0;
  const auto pid = static_cast<std::uint32_t>(::getpid());
  const std::uint64_t token = make_token(pid, read_status(pid).start_time);
  if (fork_handler) process_token_cache.store(token, std::memory_order_relaxed);
  return token;
}

bool process_alive(std::uint64_t token) noexcept {
  const std::uint32_t pid = token_process_id(token);
  if (pid == 0) return false;
  if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) return false;
  const process_status status = read_status(pid);
  if (status.result == lookup::hidden) return true;  // it exists; whether it is the same one cannot be told
  if (status.result == lookup::gone || status.zombie) return false;
  return make_token(pid, status.start_time) == token;
}

}  // namespace xipc::detail
