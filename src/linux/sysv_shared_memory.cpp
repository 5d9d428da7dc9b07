#include <xipc/name.hpp>
#include <xipc/sysv_shared_memory.hpp>

#include <fmt/format.h>
#include <sys/ipc.h>
#include <sys/shm.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <unistd.h>
#include <thread>

#include "core/object_trust.hpp"
#include "core/setup_error.hpp"
#include "core/sysv_key.hpp"
#include "memory/sysv_segments.hpp"
#include "posix/os_error.hpp"
#include "posix/system_limit.hpp"

namespace xipc {
namespace {

constexpr const char* shmmax_path = "/proc/sys/kernel/shmmax";
constexpr const char* shmmni_path = "/proc/sys/kernel/shmmni";

// "xipcsvs1" read as a little-endian integer.
constexpr std::uint64_t trailer_magic = 0x3173767363706978ull;
constexpr std::uint32_t trailer_version = 1;

// After the region, at its size rounded up to 64: what open and remove check.
struct trailer {
  std::atomic<std::uint64_t> magic;  // written last by create (release)
  std::uint64_t size;                // the region's size
  std::uint32_t version;
  std::uint32_t name_bytes;
  char name[max_name_bytes];
};
constexpr std::size_t trailer_bytes = 128;
static_assert(sizeof(trailer) <= trailer_bytes);
constexpr std::size_t largest_size = std::size_t{1} << 46;  // keeps every sum below from overflowing

constexpr std::size_t round_up_64(std::size_t size) noexcept { return (size + 63) / 64 * 64; }
constexpr std::size_t segment_bytes(std::size_t size) noexcept { return round_up_64(size) + trailer_bytes; }

key_t shm_key(std::string_view name) { return detail::sysv_shared_memory_key(name); }

bool check_name(std::string_view name, detail::failure& why) {
  std::string reason;
  if (validate_name(name, &reason)) {
    why = detail::refuse(errc::invalid_name, std::move(reason));
    return false;
  }
  return true;
}

trailer& trailer_of(std::byte* base, std::size_t segment) noexcept {
  return *reinterpret_cast<trailer*>(base + segment - trailer_bytes);
}

// The region's size when the segment's trailer names `name` and fits the
// segment; else errc::corrupted saying what is there. Waits the short while
// a creator may still be writing it.
std::size_t check_trailer(std::byte* base, std::size_t segment, key_t key, std::string_view name,
                          detail::failure& why) {
  const auto where = [&] { return fmt::format("System V segment 0x{:08x}", key); };
  if (segment < segment_bytes(1)) {
    why = detail::refuse(errc::corrupted, fmt::format("{} has {} bytes: too few for an xipc segment", where(), segment));
    return 0;
  }
  trailer& found = trailer_of(base, segment);
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::milliseconds(50);
  while (found.magic.load(std::memory_order_acquire) == 0 && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const std::uint64_t magic = found.magic.load(std::memory_order_acquire);
  const std::uint64_t size = found.size;
  const std::uint32_t name_bytes = found.name_bytes;
  if (magic != trailer_magic || found.version != trailer_version) {
    why = detail::refuse(errc::corrupted, fmt::format("{} has no xipc trailer (magic 0x{:016x}, version {}): another "
                                                      "program's segment, or one whose creator died making it",
                                                      where(), magic, found.version));
    return 0;
  }
  if (size == 0 || size > largest_size || segment_bytes(size) != segment) {
    why = detail::refuse(errc::corrupted,
                         fmt::format("{} records a size of {} bytes, which does not fit its {}", where(), size, segment));
    return 0;
  }
  if (name_bytes > max_name_bytes || std::string_view(found.name, name_bytes) != name) {
    why = detail::refuse(errc::corrupted, fmt::format("{} belongs to another name, \"{}\" (the keys of two names "
                                                      "collide); ipcrm -m removes it by id",
                                                      where(), std::string_view(found.name, std::min<std::size_t>(
                                                                                                name_bytes, max_name_bytes))));
    return 0;
  }
  return static_cast<std::size_t>(size);
}

// The segment's size after checking its owner and mode against `perms`.
std::size_t trusted_segment_bytes(int id, key_t key, const permissions& perms, detail::failure& why) {
  shmid_ds status{};
  if (::shmctl(id, IPC_STAT, &status) != 0) {
    why = detail::os_failure(fmt::format("shmctl(0x{:08x}, IPC_STAT)", key), errno);
    return 0;
  }
  // Both owners count: the creator of a segment may hand its uid to anyone (IPC_SET).
  const detail::found_owner found{static_cast<std::uint32_t>(status.shm_perm.uid),
                                  static_cast<std::uint32_t>(status.shm_perm.mode) & 0777u,
                                  static_cast<std::uint32_t>(status.shm_perm.cuid)};
  if (!detail::check_found_owner(fmt::format("System V segment 0x{:08x}", key), found, perms, why)) return 0;
  return status.shm_segsz;
}

}  // namespace

sysv_shared_memory::~sysv_shared_memory() {
  if (data_ != nullptr) ::shmdt(data_);
}

sysv_shared_memory sysv_shared_memory::create(std::string_view name, std::size_t size,
                                              const sysv_shared_memory_options& options, detail::failure& why) {
  if (!check_name(name, why)) return {};
  if (size == 0 || size > largest_size) {
    why = detail::refuse(errc::invalid_argument, fmt::format("size {} is not from 1 to {}", size, largest_size));
    return {};
  }
  const key_t key = shm_key(name);
  const std::size_t segment = segment_bytes(size);
  const int id = ::shmget(key, segment, IPC_CREAT | IPC_EXCL | static_cast<int>(options.perms.bits & 0777u));
  if (id < 0) {
    const int error = errno;
    why = detail::os_failure(fmt::format("shmget(0x{:08x}, {}, IPC_CREAT | IPC_EXCL)", key, segment), error);
    if (error == EINVAL) {
      why.code = make_error_code(errc::invalid_argument);
      why.detail += fmt::format("; the largest segment is {} ({})", detail::read_system_limit(shmmax_path), shmmax_path);
    } else if (error == ENOSPC) {
      why.detail += fmt::format("; {} ({}) segments may exist", shmmni_path, detail::read_system_limit(shmmni_path));
    }
    return {};
  }
  void* base = ::shmat(id, nullptr, 0);
  if (base == reinterpret_cast<void*>(-1)) {
    why = detail::os_failure(fmt::format("shmat(0x{:08x})", key), errno);
    ::shmctl(id, IPC_RMID, nullptr);
    return {};
  }
  auto* bytes = static_cast<std::byte*>(base);
  auto* made = new (bytes + segment - trailer_bytes) trailer{};
  made->size = size;
  made->version = trailer_version;
  made->name_bytes = static_cast<std::uint32_t>(name.size());
  std::memcpy(made->name, name.data(), name.size());
  made->magic.store(trailer_magic, std::memory_order_release);
  return {bytes, size, access::read_write, id, std::string(name)};
}

sysv_shared_memory sysv_shared_memory::open(std::string_view name, access mode,
                                            const sysv_shared_memory_options& options, detail::failure& why) {
  if (!check_name(name, why)) return {};
  const key_t key = shm_key(name);
  const int id = ::shmget(key, 0, 0);
  if (id < 0) {
    why = detail::os_failure(fmt::format("shmget(0x{:08x})", key), errno);
    return {};
  }
  const std::size_t segment = trusted_segment_bytes(id, key, options.perms, why);
  if (why) return {};
  void* base = ::shmat(id, nullptr, mode == access::read_only ? SHM_RDONLY : 0);
  if (base == reinterpret_cast<void*>(-1)) {
    why = detail::os_failure(fmt::format("shmat(0x{:08x})", key), errno);
    return {};
  }
  const std::size_t size = check_trailer(static_cast<std::byte*>(base), segment, key, name, why);
  if (why) {
    ::shmdt(base);
    return {};
  }
  return {static_cast<std::byte*>(base), size, mode, id, std::string(name)};
}

bool sysv_shared_memory::remove(std::string_view name, detail::failure& why) {
  if (!check_name(name, why)) return false;
  const key_t key = shm_key(name);
  const int id = ::shmget(key, 0, 0);
  if (id < 0) {
    if (errno == ENOENT) return false;
    why = detail::os_failure(fmt::format("shmget(0x{:08x})", key), errno);
    return false;
  }
  // Only the name's own segment goes: its trailer must say so.
  shmid_ds status{};
  if (::shmctl(id, IPC_STAT, &status) != 0) {
    why = detail::os_failure(fmt::format("shmctl(0x{:08x}, IPC_STAT)", key), errno);
    return false;
  }
  void* base = ::shmat(id, nullptr, SHM_RDONLY);
  if (base == reinterpret_cast<void*>(-1)) {
    why = detail::os_failure(fmt::format("shmat(0x{:08x})", key), errno);
    return false;
  }
  check_trailer(static_cast<std::byte*>(base), status.shm_segsz, key, name, why);
  ::shmdt(base);
  if (why) return false;
  if (::shmctl(id, IPC_RMID, nullptr) != 0) {
    if (errno == EINVAL || errno == EIDRM) return false;  // removed meanwhile
    why = detail::os_failure(fmt::format("shmctl(0x{:08x}, IPC_RMID)", key), errno);
    return false;
  }
  return true;
}

std::vector<detail::sysv_segment> detail::list_sysv_segments(bool all_users) {
  std::vector<sysv_segment> found;
  std::ifstream table("/proc/sysvipc/shm");
  std::string line;
  std::getline(table, line);  // the column names
  while (std::getline(table, line)) {
    std::istringstream fields(line);
    long long key = 0, size = 0, atime = 0, dtime = 0, ctime = 0;
    unsigned long long uid = 0, gid = 0, cuid = 0, cgid = 0, nattch = 0, cpid = 0, lpid = 0;
    int id = 0;
    unsigned perms = 0;
    if (!(fields >> key >> id >> std::oct >> perms >> std::dec >> size >> cpid >> lpid >> nattch >> uid >> gid >> cuid >>
          cgid >> atime >> dtime >> ctime)) {
      continue;
    }
    if (!all_users && uid != ::getuid()) continue;
    if (size < static_cast<long long>(segment_bytes(1))) continue;
    // Read-only, and only the trailer is read: a segment that is not xipc's is left alone.
    void* base = ::shmat(id, nullptr, SHM_RDONLY);
    if (base == reinterpret_cast<void*>(-1)) continue;
    const trailer& seen = trailer_of(static_cast<std::byte*>(base), static_cast<std::size_t>(size));
    const std::uint32_t name_bytes = seen.name_bytes;
    std::string name;
    if (seen.magic.load(std::memory_order_acquire) == trailer_magic && seen.version == trailer_version &&
        name_bytes <= max_name_bytes) {
      name.assign(seen.name, name_bytes);
    }
    const std::uint64_t region = seen.size;
    ::shmdt(base);
    if (name.empty() || validate_name(name) || shm_key(name) != static_cast<key_t>(key) || region > largest_size ||
        segment_bytes(region) != static_cast<std::uint64_t>(size)) {
      continue;
    }
    found.push_back({name, static_cast<std::int32_t>(key), id, region, static_cast<std::uint32_t>(uid), perms & 0777u,
                     ctime, static_cast<std::uint32_t>(nattch), static_cast<std::uint32_t>(cpid)});
  }
  return found;
}

}  // namespace xipc
