#include "posix/stream_io.hpp"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <ctime>

#include <fmt/format.h>

#include "io/sigpipe_state.hpp"
#include "posix/os_error.hpp"

namespace xipc::detail {
namespace {

// Waits until `fd` is ready for `events` or the deadline passes. Readiness
// includes hang-up and error: the read or write that follows reports them.
std::error_code wait_ready(int fd, short events, deadline until) noexcept {
  for (;;) {
    pollfd entry{fd, events, 0};
    // An immediate deadline polls with timeout 0: ready now, or would block.
    const int ready = ::poll(&entry, 1, until.remaining_poll_ms());
    if (ready > 0) return {};
    if (ready < 0 && errno != EINTR) return error_from_os(errno);
    if (until.is_immediate()) return make_error_code(errc::would_block);
    // Else timed out, or interrupted, or poll's whole milliseconds ran out a little early.
    if (until.expired()) return make_error_code(errc::timed_out);
  }
}

// A write to a pipe whose readers are gone raises SIGPIPE, whose default
// action ends the process. Unless the process ignores SIGPIPE and said so
// (sigpipe_guard::process_ignores), the signal is blocked in this thread
// around the write, and a SIGPIPE that the write raised is taken back, so
// the caller gets EPIPE and the process's signal state is as it was.
ssize_t write_without_sigpipe(int fd, const void* data, std::size_t size) noexcept {
  if (process_sigpipe_guard.load(std::memory_order_relaxed) == sigpipe_guard::process_ignores) {
    return ::write(fd, data, size);
  }
  sigset_t sigpipe_only;
  sigset_t old_mask;
  sigemptyset(&sigpipe_only);
  sigaddset(&sigpipe_only, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &sigpipe_only, &old_mask);
  const ssize_t written = ::write(fd, data, size);
  const int saved_errno = errno;
  // Only when SIGPIPE was not blocked before: then no SIGPIPE can have been
  // pending, and the one pending now is ours.
  if (written < 0 && saved_errno == EPIPE && !sigismember(&old_mask, SIGPIPE)) {
    // sigwait returns at once for a pending signal (sigtimedwait is not on every system).
    sigset_t pending;
    int taken = 0;
    if (sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1) sigwait(&sigpipe_only, &taken);
  }
  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  errno = saved_errno;
  return written;
}

}  // namespace

bool sigpipe_ignored(failure& why) {
  struct sigaction now {};
  if (::sigaction(SIGPIPE, nullptr, &now) != 0) {
    why = os_failure("sigaction(SIGPIPE)", errno);
    return false;
  }
  if ((now.sa_flags & SA_SIGINFO) == 0 && now.sa_handler == SIG_IGN) return true;
  const bool default_action = (now.sa_flags & SA_SIGINFO) == 0 && now.sa_handler == SIG_DFL;
  why = refuse(errc::invalid_argument,
               fmt::format("process_ignores needs SIGPIPE ignored, and its disposition is {}: ignore it first "
                           "(signal(SIGPIPE, SIG_IGN)) and keep it ignored",
                           default_action ? "SIG_DFL (end the process)" : "a handler of the program's"));
  return false;
}

std::error_code wait_readable(native_handle_type fd, deadline until) noexcept { return wait_ready(fd, POLLIN, until); }
std::error_code wait_writable(native_handle_type fd, deadline until) noexcept { return wait_ready(fd, POLLOUT, until); }

io_result read_some_handle(native_handle_type fd, std::span<std::byte> buffer, deadline until) noexcept {
  if (buffer.empty()) return {};
  // A blocking read cannot keep a deadline: look first, unless waiting forever is fine.
  if (!until.is_forever()) {
    if (const std::error_code ec = wait_ready(fd, POLLIN, until)) return {0, ec};
  }
  for (;;) {
    const ssize_t got = ::read(fd, buffer.data(), buffer.size());
    if (got > 0) return {static_cast<std::size_t>(got), {}};
    if (got == 0) return {0, make_error_code(errc::end_of_stream)};
    if (errno == EINTR) continue;
    if (errno != EAGAIN) return {0, error_from_os(errno)};
    // A non-blocking handle, or another reader took the bytes poll() saw.
    if (const std::error_code ec = wait_ready(fd, POLLIN, until)) return {0, ec};
  }
}

io_result write_some_handle(native_handle_type fd, std::span<const std::byte> data, deadline until) noexcept {
  if (data.empty()) return {};
  if (!until.is_forever()) {
    if (const std::error_code ec = wait_ready(fd, POLLOUT, until)) return {0, ec};
    // poll() reports room for at least PIPE_BUF bytes: a write that large never blocks.
    if (data.size() > PIPE_BUF) data = data.first(PIPE_BUF);
  }
  for (;;) {
    const ssize_t put = write_without_sigpipe(fd, data.data(), data.size());
    if (put >= 0) return {static_cast<std::size_t>(put), {}};
    if (errno == EINTR) continue;
    if (errno != EAGAIN) return {0, error_from_os(errno)};  // EPIPE becomes errc::peer_closed
    if (const std::error_code ec = wait_ready(fd, POLLOUT, until)) return {0, ec};
  }
}

}  // namespace xipc::detail
