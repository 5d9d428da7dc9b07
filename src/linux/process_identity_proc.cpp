#include "backend/process_identity.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace xipc::detail {
namespace {

struct process_status {
  bool found = false;
  char state = '?';
  std::uint64_t start_time = 0;  // clock ticks after boot: with the pid, unique for the machine's uptime
};

// Reads state (field 3) and starttime (field 22) of /proc/<pid>/stat.
process_status read_status(std::uint32_t pid) noexcept {
  char path[32];
  std::snprintf(path, sizeof path, "/proc/%u/stat", pid);
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  char text[1024];
  const ssize_t length = ::read(fd, text, sizeof text - 1);
  ::close(fd);
  if (length <= 0) return {};
  text[length] = '\0';
  // The command name (field 2) may hold spaces and parentheses: fields resume after the last ')'.
  const char* cursor = std::strrchr(text, ')');
  if (cursor == nullptr || cursor[1] != ' ') return {};
  process_status status;
  status.found = true;
  status.state = cursor[2];
  cursor += 2;
  for (int field = 3; field < 22 && cursor != nullptr; ++field) {
    cursor = std::strchr(cursor, ' ');
    if (cursor != nullptr) ++cursor;
  }
  if (cursor == nullptr) return {};
  status.start_time = std::strtoull(cursor, nullptr, 10);
  return status;
}

std::uint64_t make_token(std::uint32_t pid, std::uint64_t start_time) noexcept {
  return (std::uint64_t{pid} << 32) | (start_time & 0xffffffffu);
}

void forget_token_in_child() noexcept { process_token_cache.store(0, std::memory_order_relaxed); }

}  // namespace

// Read from /proc once. A forked child is another process: the fork handler
// clears the copy it inherits; without the handler nothing is cached.
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
  // A zombie ('Z') or dying ('X') process will never touch the ring again.
  if (!status.found || status.state == 'Z' || status.state == 'X') return false;
  return make_token(pid, status.start_time) == token;
}

}  // namespace xipc::detail
