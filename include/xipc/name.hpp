// Portable names for named IPC objects, and the one function that maps them
// to what each OS expects.
//
// A portable name is 1 to max_name_bytes characters from [A-Za-z0-9._-],
// and is neither "." nor "..". Every named xipc object takes such a name, so
// the same name works on Linux, macOS and Windows.
//
// Thread safety: every function here is pure and may be called from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <system_error>

namespace xipc {

// Long enough for unique test and service names, short enough that every
// mapped form below fits its OS limit (or is hashed to fit, on macOS).
inline constexpr std::size_t max_name_bytes = 100;

// What a portable name is being mapped for. Each kind has its own OS
// namespace, so that no public name of one kind reaches another kind's objects.
enum class name_kind {
  shared_memory,  // shared_memory: POSIX shm_open, Windows file mapping
  mailbox,        // a mailbox's control region and kernel queue
  ring,           // a ring_channel's shared region
  named_pipe,     // a named_pipe_server's socket file (POSIX) or pipe (Windows)
  port,           // a port's rendezvous point, the same way as named_pipe
  semaphore,      // a named semaphore's region
  mutex,          // a named process_mutex's region
  condition,      // a named process_condition's region
  broadcast,      // a broadcast channel's shared region
};

// The operating system whose conventions a name is mapped to.
enum class target_os { posix, macos, windows };

// The OS this build of xipc runs on.
target_os current_os() noexcept;

// Checks a portable name. On failure returns errc::invalid_name and, when
// `why` is given, sets it to a sentence that says what was wrong and what is allowed.
std::error_code validate_name(std::string_view name, std::string* why = nullptr);

// Maps a valid portable name to the OS's name for an object of that kind.
// The prefix is "xipc." for shared_memory, "xipc:mbox." for a mailbox,
// "xipc:ring." for a ring_channel, "xipc:sem." for a semaphore, "xipc:mtx."
// for a process_mutex and "xipc:cnd." for a process_condition: a portable name has no ':', so no name of
// one kind maps onto another kind's object ("mbox.jobs" as shared memory is
// "/xipc.mbox.jobs", never mailbox "jobs"'s "/xipc:mbox.jobs").
//   posix:       "/<prefix><name>"
//   macos:       the same, hashed when longer than the 31 characters macOS
//                allows (PSHMNAMLEN): "/xipc.<first 8>.<16 hex digits>" for
//                shared_memory, "/<prefix><16 hex digits>" for the others
//   windows:     "Local\<prefix><name>"
// Named pipes and ports are rendezvous points, not memory:
//   posix, macos: the socket file's name in xipc's private socket directory,
//                 "<name>.sock" for a named pipe and "port:<name>.sock" for a
//                 port (the directory's own path decides whether it fits
//                 sun_path; the backend shortens it when it does not)
//   windows:     "\\.\pipe\xipc.<name>" and "\\.\pipe\xipc:port.<name>"
// REQUIRES: validate_name(name) succeeded.
std::string os_name(name_kind kind, std::string_view name, target_os os = current_os());

}  // namespace xipc
