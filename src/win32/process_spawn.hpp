// Starting a process with CreateProcessW so that it inherits exactly the
// handles it is given: the Windows twin of posix_spawn with file actions.
// child_process uses it, and so do the tests' peer processes.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include <xipc/detail/owned_handle.hpp>

#include "core/setup_error.hpp"

namespace xipc::detail {

// The exit code child_process::kill() gives: 128 + 9, what a POSIX shell
// reports for a process ended by SIGKILL.
inline constexpr unsigned killed_exit_code = 137;

struct spawn_request {
  std::string_view program;               // looked up as CreateProcessW does when it has no path
  std::span<const std::string> args;      // after the program name
  std::array<native_handle_type, 3> standard{};  // stdin, stdout, stderr; null: none
  std::span<const native_handle_type> inherited;  // further handles the child gets, with the same values
  std::span<const std::pair<std::string, std::string>> environment;  // added to this process's
};

struct spawned {
  owned_handle process;
  std::uint32_t id = 0;
};

spawned spawn_process(const spawn_request& request, failure& why);


// The command line for `words`, quoted so that the C runtime's parser gives them back.
std::wstring command_line(std::span<const std::wstring> words);

}  // namespace xipc::detail
