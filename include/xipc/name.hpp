// Portable names for named IPC objects, and the one function that maps them
// to what each OS expects.
//
// A portable name is 1 to max_name_bytes characters from [A-Za-z0-9._-],
// and is neither "." nor "..". Every named xipc object takes such a name, so
// the same name works on Linux, macOS and Windows.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <system_error>

namespace xipc {

// Long enough for unique test and service names, short enough that every
// mapped form below fits its OS limit (or is hashed to fit, on macOS).
inline constexpr std::size_t max_name_bytes = 100;

// What a portable name is being mapped for; the OS namespaces differ.
enum class name_kind {
  shared_memory,  // POSIX shm_open, Windows file mapping
  mailbox,        // POSIX mq_open, Windows named section + events
};

// The operating system whose conventions a name is mapped to.
enum class target_os { posix, macos, windows };

// The OS this build of xipc runs on.
target_os current_os() noexcept;

// Checks a portable name. On failure returns errc::invalid_name and, when
// `why` is given, sets it to a sentence that says what was wrong and what is allowed.
std::error_code validate_name(std::string_view name, std::string* why = nullptr);

// Maps a valid portable name to the OS's name for an object of that kind.
// For shared_memory:
//   posix:       "/xipc.<name>"
//   macos:       "/xipc.<name>", or "/xipc.<first 8>.<16 hex digits of a hash>"
//                when longer than the 31 characters macOS allows (PSHMNAMLEN)
//   windows:     "Local\xipc.<name>"
// For mailbox the prefix is "xipc.mbox." instead of "xipc." (on macOS a
// name too long becomes "/xipc.mbox.<16 hex digits>"), so a mailbox's
// objects never meet a shared_memory object of the same portable name.
// REQUIRES: validate_name(name) succeeded.
std::string os_name(name_kind kind, std::string_view name, target_os os = current_os());

}  // namespace xipc
