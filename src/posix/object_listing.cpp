// Where the xipc objects of a POSIX system are found (survey/object_survey.hpp):
// the shared-memory namespace where the OS shows it as a directory
// (/dev/shm on Linux), xipc's socket directory, and the System V segments.
#include <dirent.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

#include "memory/sysv_segments.hpp"
#include "posix/local_socket.hpp"
#include "posix/os_error.hpp"
#include "posix/socket_table.hpp"
#include "survey/object_survey.hpp"

namespace xipc::detail {
namespace {

// Linux shows POSIX shared memory as files here; macOS shows it nowhere.
constexpr const char* shm_directory = "/dev/shm";

bool starts_with(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

// What lstat says about `path`, into `report`: false when it is gone, or not
// this user's and `all_users` is off.
bool stat_into(const std::string& path, bool all_users, object_report& report) {
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) return false;
  if (!all_users && info.st_uid != ::getuid()) return false;
  report.bytes = static_cast<std::uint64_t>(info.st_size);
  report.uid = info.st_uid;
  report.mode = info.st_mode & 07777u;
  report.changed = static_cast<std::int64_t>(info.st_ctime);
  report.foreign = info.st_uid != ::getuid();
  if (S_ISLNK(info.st_mode)) report.problem = "a symbolic link, which xipc never follows";
  return true;
}

// Calls `each(file name)` for every entry of `directory`; false when it cannot be read.
template <class Each>
bool for_each_entry(const std::string& directory, Each&& each) {
  const std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(directory.c_str()), ::closedir);
  if (!dir) return false;
  while (const dirent* entry = ::readdir(dir.get())) each(std::string_view(entry->d_name));
  return true;
}

void list_shm_namespace(bool all_users, std::vector<object_report>& found) {
  for_each_entry(shm_directory, [&](std::string_view file) {
    for (const object_kind_entry& kind : object_kinds()) {
      if (kind.home != object_home::shm_namespace) continue;
      const std::string prefix = os_prefix(kind.kind);
      if (!starts_with(file, prefix)) continue;
      object_report report = report_of(kind.label, file.substr(prefix.size()));
      report.location = fmt::format("{}/{}", shm_directory, file);
      if (validate_name(report.name)) continue;  // not a name xipc makes
      if (stat_into(report.location, all_users, report)) found.push_back(std::move(report));
    }
  });
}

void list_socket_directory(bool all_users, std::vector<object_report>& found) {
  const std::string directory = local_socket_directory();
  const object_kind_entry* pipes = find_object_kind("named_pipe");
  const object_kind_entry* ports = find_object_kind("port");
  for_each_entry(directory, [&](std::string_view file) {
    constexpr std::string_view suffix = ".sock";
    constexpr std::string_view port_prefix = "port:";
    if (file.size() <= suffix.size() || file.substr(file.size() - suffix.size()) != suffix) return;
    const bool port = starts_with(file, port_prefix);
    const object_kind_entry* kind = port ? ports : pipes;
    const std::size_t skip = port ? port_prefix.size() : 0;
    object_report report = report_of(kind->label, file.substr(skip, file.size() - suffix.size() - skip));
    report.location = fmt::format("{}/{}", directory, file);
    if (validate_name(report.name)) return;  // not a name xipc makes
    if (!stat_into(report.location, all_users, report)) return;
    failure why;
    if (rendezvous_location(kind->kind, report.name, why) != report.location) {
      report.problem = "its name was too long for a socket path and is kept hashed; the full name is not recorded";
    }
    found.push_back(std::move(report));
  });
}

void list_sysv(bool all_users, std::vector<object_report>& found) {
  const object_kind_entry* segments = find_object_kind("sysv_shared_memory");
  for (const sysv_segment& segment : list_sysv_segments(all_users)) {
    object_report report = report_of(segments->label, segment.name);
    report.location = fmt::format("System V key 0x{:08x}, id {}", static_cast<std::uint32_t>(segment.key), segment.id);
    report.bytes = segment.bytes;
    report.uid = segment.uid;
    report.mode = segment.mode;
    report.changed = segment.changed;
    report.foreign = segment.uid != ::getuid();
    found.push_back(std::move(report));
  }
}

}  // namespace

std::vector<object_report> list_objects(bool all_users, failure& why) {
  struct stat info {};
  if (::stat(shm_directory, &info) != 0) {
    why = {std::make_error_code(std::errc::not_supported), {},
           fmt::format("this OS shows no directory of shared-memory objects ({} is missing), so xipc cannot list "
                       "them; inspect, rm, send and recv work by name",
                       shm_directory)};
    return {};
  }
  std::vector<object_report> found;
  list_shm_namespace(all_users, found);
  list_socket_directory(all_users, found);
  list_sysv(all_users, found);
  return found;
}

std::string rendezvous_location(name_kind kind, std::string_view name, failure& why) {
  const std::string directory = local_socket_directory();
  struct stat info {};
  if (::lstat(directory.c_str(), &info) != 0) return fmt::format("{}/{}", directory, os_name(kind, name));
  return local_socket_path(name, why, kind);
}

std::optional<bool> rendezvous_listening(const std::string& location) {
  return path_bound_in_socket_table(location);
}

bool remove_rendezvous(name_kind kind, std::string_view name, failure& why) {
  const std::string path = rendezvous_location(kind, name, why);
  if (why) return false;
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) {
    if (errno != ENOENT) why = os_failure(fmt::format("lstat(\"{}\")", path), errno);
    return false;
  }
  if (!S_ISSOCK(info.st_mode)) {
    why = refuse(errc::corrupted, fmt::format("{} is not a socket; xipc leaves it alone", path));
    return false;
  }
  if (::unlink(path.c_str()) != 0) {
    if (errno != ENOENT) why = os_failure(fmt::format("unlink(\"{}\")", path), errno);
    return false;
  }
  return true;
}

}  // namespace xipc::detail
