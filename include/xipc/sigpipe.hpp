// How a write to a pipe or FIFO whose readers are all gone is kept from
// raising SIGPIPE, whose default action ends the process. Either way the
// write returns errc::peer_closed. Sockets never raise it (MSG_NOSIGNAL,
// SO_NOSIGPIPE), and Windows has no SIGPIPE: there both settings are the same.
//
//   std::signal(SIGPIPE, SIG_IGN);                          // the process's own choice
//   xipc::set_sigpipe_guard(xipc::sigpipe_guard::process_ignores);
//
// Thread safety: both functions may be called from any thread at any time;
// a write that is under way keeps the guard it began with.
#pragma once

#include <cstdint>
#include <system_error>

namespace xipc {

enum class sigpipe_guard : std::uint32_t {
  // The default. SIGPIPE is blocked in the writing thread around each write,
  // and a SIGPIPE that the write raised is taken back: the caller's signal
  // mask, pending signals and dispositions stay exactly as they were, at the
  // cost of two system calls per write (docs/pipes.md has the figures).
  mask = 1,
  // The process ignores SIGPIPE (SIG_IGN) and keeps ignoring it: writes go
  // straight to write(2). Accepted only while SIGPIPE's disposition is
  // SIG_IGN; restoring SIG_DFL afterwards breaks the promise, and a write to
  // a pipe without readers then ends the process.
  process_ignores = 2,
};

// Sets the guard for the whole process (a disposition is the process's too).
// process_ignores while SIGPIPE is not ignored is errc::invalid_argument,
// naming the disposition found, and leaves the guard as it was.
void set_sigpipe_guard(sigpipe_guard guard);
void set_sigpipe_guard(sigpipe_guard guard, std::error_code& ec);

sigpipe_guard get_sigpipe_guard() noexcept;

}  // namespace xipc
