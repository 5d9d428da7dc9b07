// backend/doorbell.hpp where there is no abstract socket namespace (macOS,
// the BSDs): the twin of linux/doorbell_abstract_socket.cpp. The doorbell is
// a datagram socket bound to a file, /tmp/xipc-<uid>.bells/<id>; a ring is
// one byte sent to that file, and the socket itself is the wait handle.
//
// The id holds the owner's uid (high 32 bits) beside 32 random bits, so that
// a ringer of any user, with any environment, finds the file from the id
// alone. The directory is the owner's and only the owner may list or change
// it (0711): others may reach a file whose name they read from the memory
// they share, and send to it (the socket file is 0622), which is all a ring
// needs. A forged id rings another doorbell, a spurious wake-up. A directory
// of that name that is not the owner's, not a directory, or writable by
// others is refused: the doorbell cannot be opened, and the readiness
// handle says so. A process killed with its doorbell open leaves its file
// behind (nothing unlinks on SIGKILL): the first doorbell each process opens
// removes such files, those whose socket nobody is bound to any more (a
// connect, which sends nothing, is refused).
#include "backend/doorbell.hpp"

#include <fmt/format.h>

#include <dirent.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>

#include "backend/os_error.hpp"
#include "backend/process_identity.hpp"
#include "posix/new_descriptor.hpp"
#include "posix/object_owner.hpp"
#include "sync/wait_word.hpp"

namespace xipc::detail {
namespace {

std::string bell_directory(std::uint32_t uid) { return fmt::format("/tmp/xipc-{}.bells", uid); }

std::string bell_path(std::uint64_t id) {
  return fmt::format("{}/{:08x}", bell_directory(static_cast<std::uint32_t>(id >> 32)), id & 0xffffffffu);
}

sockaddr_un address_of(const std::string& path) noexcept {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::copy_n(path.data(), std::min(path.size(), sizeof address.sun_path - 1), address.sun_path);
  return address;
}

// Makes this user's bell directory if needed, and checks what is there.
bool own_bell_directory(const std::string& directory, failure& why) {
  if (!own_directory(directory, 0711, 022, why)) return false;
  ::chmod(directory.c_str(), 0711);  // a directory made under a wide umask gets exactly 0711
  return true;
}

// Removes the files of this user's doorbells that nobody holds any more.
void sweep_stale_bells(const std::string& directory) noexcept {
  DIR* listing = ::opendir(directory.c_str());
  if (listing == nullptr) return;
  const int probe = new_socket_descriptor(AF_UNIX, SOCK_DGRAM, true);
  while (probe >= 0) {
    const dirent* entry = ::readdir(listing);
    if (entry == nullptr) break;
    if (entry->d_name[0] == '.') continue;
    const std::string path = fmt::format("{}/{}", directory, entry->d_name);
    struct stat info {};
    if (::lstat(path.c_str(), &info) != 0 || !S_ISSOCK(info.st_mode) || info.st_uid != ::getuid()) continue;
    const sockaddr_un at = address_of(path);
    if (::connect(probe, reinterpret_cast<const sockaddr*>(&at), sizeof at) != 0 && errno == ECONNREFUSED) {
      ::unlink(path.c_str());
    }
  }
  if (probe >= 0) ::close(probe);
  ::closedir(listing);
}

// One unbound socket per process rings every doorbell: sendto is thread-safe.
int ringing_socket() noexcept {
  static const int socket = new_socket_descriptor(AF_UNIX, SOCK_DGRAM, true);
  return socket;
}

}  // namespace

bool open_doorbell(doorbell_handles& bell, failure& why) {
  close_doorbell(bell);
  const auto uid = static_cast<std::uint32_t>(::getuid());
  const std::string directory = bell_directory(uid);
  if (!own_bell_directory(directory, why)) return false;
  static const bool swept = (sweep_stale_bells(directory), true);
  static_cast<void>(swept);
  const int socket = new_socket_descriptor(AF_UNIX, SOCK_DGRAM, true);
  if (socket < 0) {
    why = last_os_failure("socket(AF_UNIX, SOCK_DGRAM)");
    return false;
  }
  bell.wait = socket;
  // A name that is taken (by an earlier process's leftover, say) is skipped, never shared.
  for (int attempt = 0;; ++attempt) {
    const std::uint64_t id = (std::uint64_t{uid} << 32) | (new_random_key() & 0xffffffffu);
    const std::string path = bell_path(id);
    const sockaddr_un at = address_of(path);
    if (::bind(socket, reinterpret_cast<const sockaddr*>(&at), sizeof at) == 0) {
      // The directory is this user's alone to change: the file cannot have been swapped.
      if (::chmod(path.c_str(), 0622) != 0) {
        why = os_failure(fmt::format("chmod(\"{}\")", path), errno);
        ::unlink(path.c_str());
        close_doorbell(bell);
        return false;
      }
      bell.id = id;
      break;
    }
    if (errno != EADDRINUSE || attempt == 15) {
      why = os_failure(fmt::format("bind(\"{}\")", path), errno);
      close_doorbell(bell);
      return false;
    }
  }
  return true;
}

void close_doorbell(doorbell_handles& bell) noexcept {
  if (bell.id != 0) ::unlink(bell_path(bell.id).c_str());
  if (bell.wait != invalid_native_handle) ::close(bell.wait);
  bell = {};
}

void ring_doorbell(std::uint64_t id) noexcept {
  const int socket = ringing_socket();
  if (socket < 0 || id == 0) return;
  const sockaddr_un at = address_of(bell_path(id));
  const std::byte ring{1};
  // ECONNREFUSED or ENOENT: nobody holds it any more; ENOBUFS or EAGAIN:
  // rung already, not yet cleared. A datagram socket raises no SIGPIPE.
  ::sendto(socket, &ring, 1, MSG_DONTWAIT, reinterpret_cast<const sockaddr*>(&at), sizeof at);
}

}  // namespace xipc::detail
