// Starting a program as a child process, with each of its standard streams
// inherited, connected to a pipe, sent to the null device, or set to a
// handle the caller provides. The child gets those three and no other handle
// of the parent.
//
//   auto child = xipc::child_process::spawn("sort", {}, {.in = xipc::stdio::pipe(), .out = xipc::stdio::pipe()});
//   xipc::write_all(child.in(), bytes);
//   child.in().close();                       // sort sees end of input
//   xipc::read_exact(child.out(), buffer);
//   xipc::exit_status status;
//   std::error_code waited = child.wait(status);
//
// Thread safety: a child_process object is used by one thread at a time.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <system_error>

#include <xipc/deadline.hpp>
#include <xipc/detail/owned_handle.hpp>
#include <xipc/pipe.hpp>

namespace xipc {
namespace detail {
struct failure;
}

// Where one of a child's standard streams goes.
class stdio {
 public:
  enum class kind { inherit, null, pipe, handle };

  // The parent's own stream.
  static constexpr stdio inherit() noexcept { return stdio(kind::inherit); }
  // The null device: reads see end of stream, writes vanish.
  static constexpr stdio null() noexcept { return stdio(kind::null); }
  // A new pipe; the parent's end is child_process::in(), out() or err().
  static constexpr stdio pipe() noexcept { return stdio(kind::pipe); }
  // A handle the caller keeps owning (and should close once the child has it,
  // or a reader of the same pipe never sees end of stream).
  static constexpr stdio from(native_handle_type handle) noexcept { return stdio(kind::handle, handle); }

  constexpr kind what() const noexcept { return kind_; }
  constexpr native_handle_type handle() const noexcept { return handle_; }

 private:
  constexpr explicit stdio(kind k, native_handle_type handle = invalid_native_handle) noexcept
      : kind_(k), handle_(handle) {}
  kind kind_;
  native_handle_type handle_;
};

struct spawn_options {
  stdio in = stdio::inherit();
  stdio out = stdio::inherit();
  stdio err = stdio::inherit();
};

// How a child ended.
struct exit_status {
  bool signaled = false;  // ended by `signal` (POSIX) rather than by exiting with `code`
  int code = 0;
  int signal = 0;

  bool success() const noexcept { return !signaled && code == 0; }
};

class child_process {
 public:
  child_process() noexcept = default;
  child_process(child_process&& other) noexcept;
  child_process& operator=(child_process&& other) noexcept;
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;
  // A child still running is killed and reaped, so that none is left behind
  // (as Boost.Process does); detach() first to let it run on.
  ~child_process();

  // Starts `program` (looked up in PATH when it holds no '/') with `args` as
  // its arguments after the program name. The parent's copies of the pipe
  // ends given to the child are closed before this returns.
  static child_process spawn(std::string_view program, std::span<const std::string> args = {},
                             const spawn_options& options = {});
  static child_process spawn(std::string_view program, std::span<const std::string> args,
                             const spawn_options& options, std::error_code& ec);

  // The parent's ends of the pipes that spawn_options asked for; not open otherwise.
  pipe_writer& in() noexcept { return in_; }
  pipe_reader& out() noexcept { return out_; }
  pipe_reader& err() noexcept { return err_; }

  // Waits until `until` for the child to end and reaps it: errc::timed_out
  // (errc::would_block for an immediate deadline) while it runs. Once it has
  // ended, every call gives the same status.
  [[nodiscard]] std::error_code wait(exit_status& status, deadline until = deadline::forever()) noexcept;
  // Ends the child at once (SIGKILL; TerminateProcess on Windows).
  std::error_code kill() noexcept;
  // Lets the child outlive this object.
  void detach() noexcept;

  // The OS process id; -1 when there is no child.
  int id() const noexcept { return id_; }
  // A handle that becomes readable when the child ends (a pidfd on Linux, the
  // process handle on Windows); invalid_native_handle where the OS gives none
  // (Linux before 5.3; macOS for now), and wait() still works there.
  native_handle_type native_handle() const noexcept { return process_.native_handle(); }

 private:
  static child_process spawn(std::string_view program, std::span<const std::string> args,
                             const spawn_options& options, detail::failure& why);
  // Kills and reaps a child that still runs and is not detached.
  void end_child() noexcept;

  int id_ = -1;
  bool ended_ = false;
  exit_status status_;
  detail::owned_handle process_;
  pipe_writer in_;
  pipe_reader out_;
  pipe_reader err_;
};

}  // namespace xipc
