// Cross-process tests run the test binary itself as the peer, in a role
// chosen by argv (`xipc-tests --xipc-role NAME ARGS...`), so that the peer is
// a separate process with its own address space, not a fork of the test.
#pragma once

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <xipc/native_handle.hpp>

namespace xipc::test {

// What wait() reports for a peer that was killed: 128 + SIGKILL on POSIX, and
// on Windows the exit code TerminateProcess gave it (the same number).
inline constexpr int killed_exit_code = 128 + 9;

// Ends this process at once, as a kill from outside would: no destructors,
// no atexit handlers, no flushing. wait() then reports killed_exit_code.
[[noreturn]] void die_abruptly();

// Whether this is the Windows build running under Wine rather than Windows
// (Wine's ntdll exports wine_get_version). Only for working around Wine's own
// bugs, each named where it is used; never to skip what Windows must do.
bool running_under_wine();

// In a peer: the handle its parent passed as inherited_handle{h, as}. POSIX
// gives it the descriptor number `as`; Windows keeps a handle's value, which
// the parent passes in the environment under the number `as`.
native_handle_type handle_from_parent(int as);

// A role's body: receives the arguments after its name and returns the exit code.
using role_function = int (*)(std::span<char* const> args);

struct role_registration {
  role_registration(const char* name, role_function body);
};

// Defines a role that tests can start with peer_process::start.
#define XIPC_TEST_ROLE(role_name)                                                                        \
  static int role_name##_role(std::span<char* const> args);                                             \
  static const ::xipc::test::role_registration role_name##_registration(#role_name, role_name##_role); \
  static int role_name##_role(std::span<char* const> args)

// Runs the role named by argv when the binary was started as a peer.
// Returns the role's exit code, or nothing when argv names no role.
std::optional<int> run_role_from_argv(int argc, char** argv);

// A running peer. Destroying it kills and reaps a peer that is still running.
class peer_process {
 public:
  struct inherited_handle {
    native_handle_type handle;  // in this process
    int as;                     // the number the peer asks handle_from_parent() for
  };

  // Starts `role` with `args`; `handles` are the only handles besides
  // stdin/stdout/stderr the peer inherits.
  static peer_process start(std::string_view role, std::vector<std::string> args = {},
                            std::vector<inherited_handle> handles = {});

  peer_process(peer_process&& other) noexcept;
  peer_process& operator=(peer_process&&) = delete;
  ~peer_process();

  // The exit code, 128 + signal number if a signal ended it, or nothing if it
  // still runs after `timeout` (it is left running).
  std::optional<int> wait(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  void kill();

 private:
  peer_process(int pid, native_handle_type process) : pid_(pid), process_(process) {}
  int pid_;
  native_handle_type process_;  // Windows: the process handle; POSIX: unused
};

}  // namespace xipc::test
