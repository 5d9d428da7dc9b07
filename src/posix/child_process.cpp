#include <xipc/child_process.hpp>
#include <xipc/detail/config.hpp>

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>
#include <vector>

#include "posix/os_error.hpp"
#include "posix/process_descriptor.hpp"
#include "backend/stream_io.hpp"
#include "backend/pipe.hpp"

extern char** environ;

namespace xipc {
namespace {

// How often wait() looks again where there is no process descriptor to poll
// (process_descriptor.hpp: none before Linux 5.3, none on macOS yet).
constexpr auto exit_poll_interval = std::chrono::milliseconds(1);

// Where the file actions send one standard stream. A pipe end for the child is
// kept in `child_ends` until the spawn is done, then closed by the caller.
bool route(posix_spawn_file_actions_t& actions, const stdio& where, int target, bool child_reads,
           std::vector<detail::owned_handle>& child_ends, detail::owned_handle& parent_end, detail::failure& why) {
  switch (where.what()) {
    case stdio::kind::inherit:
#if XIPC_HAS_SPAWN_CLOEXEC_DEFAULT
      // Every descriptor no action names is closed in the child: name this one.
      posix_spawn_file_actions_addinherit_np(&actions, target);
#endif
      return true;
    case stdio::kind::null:
      posix_spawn_file_actions_addopen(&actions, target, "/dev/null", child_reads ? O_RDONLY : O_WRONLY, 0);
      return true;
    case stdio::kind::handle:
      posix_spawn_file_actions_adddup2(&actions, where.handle(), target);
      return true;
    case stdio::kind::pipe: {
      pipe_ends ends = detail::open_pipe(why);
      if (why) return false;
      detail::owned_handle child_end = child_reads ? detail::owned_handle(ends.reader.release())
                                                   : detail::owned_handle(ends.writer.release());
      parent_end = child_reads ? detail::owned_handle(ends.writer.release()) : detail::owned_handle(ends.reader.release());
      // Pipe ends are blocking, as programs expect of their stdio.
      posix_spawn_file_actions_adddup2(&actions, child_end.native_handle(), target);
      child_ends.push_back(std::move(child_end));
      return true;
    }
  }
  return true;
}

exit_status decode(int raw) {
  exit_status status;
  if (WIFSIGNALED(raw)) {
    status.signaled = true;
    status.signal = WTERMSIG(raw);
  } else {
    status.code = WEXITSTATUS(raw);
  }
  return status;
}

}  // namespace

child_process child_process::spawn(std::string_view program, std::span<const std::string> args,
                                   const spawn_options& options, detail::failure& why) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  std::vector<detail::owned_handle> child_ends;
  detail::owned_handle parent_in;
  detail::owned_handle parent_out;
  detail::owned_handle parent_err;
  const bool routed = route(actions, options.in, 0, true, child_ends, parent_in, why) &&
                      route(actions, options.out, 1, false, child_ends, parent_out, why) &&
                      route(actions, options.err, 2, false, child_ends, parent_err, why);
  if (!routed) {
    posix_spawn_file_actions_destroy(&actions);
    return {};
  }
  // Only the three standard streams reach the child, whatever else is open
  // here without close-on-exec.
#if XIPC_HAS_SPAWN_CLOSEFROM
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
#endif

  std::string name(program);
  std::vector<std::string> words{name};
  words.insert(words.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& word : words) argv.push_back(word.data());
  argv.push_back(nullptr);

  posix_spawnattr_t* attributes = nullptr;
#if XIPC_HAS_SPAWN_CLOEXEC_DEFAULT
  // Only what the file actions name reaches the child (the closefrom of this OS).
  posix_spawnattr_t cloexec_default;
  posix_spawnattr_init(&cloexec_default);
  posix_spawnattr_setflags(&cloexec_default, POSIX_SPAWN_CLOEXEC_DEFAULT);
  attributes = &cloexec_default;
#endif
  pid_t pid = -1;
  const bool search_path = name.find('/') == std::string::npos;
  const int rc = search_path ? ::posix_spawnp(&pid, name.c_str(), &actions, attributes, argv.data(), environ)
                             : ::posix_spawn(&pid, name.c_str(), &actions, attributes, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (attributes != nullptr) posix_spawnattr_destroy(attributes);
  if (rc != 0) {
    why = detail::os_failure(fmt::format("{}(\"{}\")", search_path ? "posix_spawnp" : "posix_spawn", name), rc);
    return {};
  }
  // child_ends close when this returns: the parent's copies of the child's ends
  // must go, or a reader of the child's output never sees end of stream.
  child_process child;
  child.id_ = pid;
  if (const int descriptor = detail::open_process_descriptor(pid); descriptor >= 0) {
    child.process_ = detail::owned_handle(descriptor);
  }
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
  if (id_ <= 0) return make_error_code(errc::invalid_argument);
  for (;;) {
    int raw = 0;
    const pid_t done = ::waitpid(id_, &raw, WNOHANG);
    if (done == id_) {
      ended_ = true;
      status_ = decode(raw);
      process_.close();
      status = status_;
      return {};
    }
    if (done < 0 && errno != EINTR) return detail::error_from_os(errno);
    if (until.is_immediate()) return make_error_code(errc::would_block);
    if (until.expired()) return make_error_code(errc::timed_out);
    if (process_.is_open()) {
      // The pidfd becomes readable when the child ends.
      const std::error_code ec = detail::wait_readable(process_.native_handle(), until);
      if (ec && ec != errc::timed_out) return ec;
    } else {
      std::this_thread::sleep_for(exit_poll_interval);
    }
  }
}

std::error_code child_process::kill() noexcept {
  if (id_ <= 0 || ended_) return {};
  if (::kill(id_, SIGKILL) != 0 && errno != ESRCH) return detail::error_from_os(errno);
  return {};
}

}  // namespace xipc
