// Finding, inspecting and removing the xipc objects that exist on this
// machine, for the xipc command-line tool (tools/xipc, docs/cli.md).
//
// Every kind of named object is one entry in one table (survey/object_kinds.cpp):
// its label, its name_kind, how to read and check its header, how to remove
// it, and, for the kinds that carry messages, how to send and receive. The
// backend lists what the OS can show (posix/object_listing.cpp reads
// /dev/shm, the socket directory and /proc/sysvipc; win32/object_listing.cpp
// cannot list the session's namespace and says so), and matches names to
// entries through the same table. Nothing read here is trusted: a header is
// checked field by field, and what is wrong is reported, never acted on.
//
// Thread safety: the functions may be called from any thread; a report is a
// plain value.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <xipc/deadline.hpp>
#include <xipc/name.hpp>

#include "core/setup_error.hpp"

namespace xipc::detail {

// A process that an object names: the owner of a ring's end, the creator of
// an owned mailbox, the holder of a mutex.
struct surveyed_process {
  std::string role;
  std::uint32_t pid = 0;
  bool alive = false;
};

// What the survey knows about one object.
struct object_report {
  std::string kind;      // the entry's label: "ring", "mailbox", ...
  std::string name;      // the portable name
  std::string location;  // where the OS keeps it: a path, a System V key
  std::optional<std::uint64_t> bytes;
  std::optional<std::uint32_t> uid;
  std::optional<std::uint32_t> mode;
  std::optional<std::int64_t> changed;  // seconds since 1970: the OS's last status change (no OS here keeps a creation time)
  // The checked facts of its header, in order ("capacity", "64").
  std::vector<std::pair<std::string, std::string>> facts;
  std::vector<surveyed_process> processes;
  // What is wrong with it, in words; empty when every check passed.
  std::string problem;
  // Why `xipc gc` may remove it (a crash's leftover); empty when it may not.
  std::string stale;
  // Another user's: its header is not read, for its owner could shrink it
  // under the reader (a read past the end of a mapping is SIGBUS).
  bool foreign = false;
};

// A report that knows only its object's kind and name.
inline object_report report_of(std::string_view kind, std::string_view name) {
  object_report report;
  report.kind = kind;
  report.name = name;
  return report;
}

// What `xipc send` and `xipc recv` do with an object of a kind.
struct message_options {
  unsigned priority = 0;
  deadline until = deadline::forever();
};

// Where the OS keeps a kind's objects, which says how the backend lists them.
enum class object_home {
  shm_namespace,     // POSIX shared memory (/dev/shm on Linux), a Windows section
  socket_directory,  // xipc's private socket directory (POSIX)
  sysv_segments,     // System V shared memory, by key
};

struct object_kind_entry {
  std::string_view label;
  name_kind kind;  // the namespace of its OS names
  object_home home;
  // Reads and checks what the object named report.name says about itself,
  // filling facts, processes, problem and stale. errc::not_found when it
  // does not exist; any other failure is reported in report.problem.
  std::error_code (*inspect)(object_report& report);
  // The kind's own remove: false when there was nothing to remove.
  bool (*remove)(std::string_view name, failure& why);
  // Sends one message; null for kinds that carry none.
  std::error_code (*send)(std::string_view name, std::span<const std::byte> message, const message_options& options,
                          failure& why);
  // Receives one message into `message`; null for kinds that carry none.
  // errc::timed_out (would_block) when none came before the deadline.
  std::error_code (*receive)(std::string_view name, std::vector<std::byte>& message, const message_options& options,
                             failure& why);
};

// Every kind, in the order `xipc ls` shows them.
std::span<const object_kind_entry> object_kinds() noexcept;
// The entry labelled `label`, or null.
const object_kind_entry* find_object_kind(std::string_view label) noexcept;

// Inspects `report`'s object with its kind's entry, unless it is foreign or
// already found wrong (a symbolic link, say): errc::not_found when it does
// not exist, errc::invalid_argument for an unknown kind.
std::error_code inspect_object(object_report& report);

// The OS names of `kind`'s objects start with this (after the "/" on POSIX):
// "xipc:ring." for rings. From os_name, so the prefixes live in one place.
std::string os_prefix(name_kind kind);

// The objects the OS can show this process: the current user's, or every
// user's the OS lets it see with `all_users`. Each report has kind, name,
// location and what the file system or kernel says (size, owner, mode,
// time); inspect fills in the rest. std::errc::not_supported where the OS keeps
// no list that xipc can read.
std::vector<object_report> list_objects(bool all_users, failure& why);

// Named pipes and ports are rendezvous points: a socket file on POSIX, a
// pipe name on Windows. `kind` is name_kind::named_pipe or name_kind::port.

// The path of the socket file of `name` (POSIX), or empty with `why` set; on
// Windows the pipe's name.
std::string rendezvous_location(name_kind kind, std::string_view name, failure& why);

// Whether a server listens at a rendezvous location, as the OS's socket
// table says without connecting; nothing when there is no table to ask.
std::optional<bool> rendezvous_listening(const std::string& location);

// Removes `name`'s socket file (POSIX): false when there is none. Windows
// has no file to remove, and says so.
bool remove_rendezvous(name_kind kind, std::string_view name, failure& why);

}  // namespace xipc::detail
