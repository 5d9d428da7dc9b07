// System V shared memory (shmget, shmat, shmdt, IPC_RMID) under an xipc name:
// the segments of the classic producer/consumer examples, for code and tools
// that speak System V (ipcs, ipcrm). Linux only; elsewhere create and open
// fail with errc::invalid_argument saying so, and `supported` is false.
//
//   auto region = xipc::sysv_shared_memory::create("frames", 1 << 20);
//   auto view   = xipc::sysv_shared_memory::open("frames");   // another process
//   xipc::sysv_shared_memory::remove("frames");                // IPC_RMID
//
// System V has keys, not names: the key of a name is key_of(name), a hash
// (docs/shared_memory.md). So that a key taken by something else is never
// mistaken for the name's segment, xipc keeps a trailer of 128 bytes after
// the region (the region itself starts page-aligned) with the name and size,
// and open and remove check it. Owner and mode are checked on open exactly
// as shared_memory's are (permissions.hpp), and both System V owners count:
// the creator's uid and the one IPC_SET may hand on.
//
// A segment persists until remove(), even when nobody has it attached (as
// shared_memory does). After remove(), attached processes keep their memory
// and the name is free at once for a new segment (Linux frees the key).
//
// Thread safety: an object may be used from many threads at once (its data()
// is plain memory); moving or assigning it must not race with other use.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include <xipc/concepts.hpp>
#include <xipc/detail/config.hpp>
#include <xipc/detail/mapped_region.hpp>
#include <xipc/error.hpp>
#include <xipc/permissions.hpp>

namespace xipc {
namespace detail {
struct failure;
}

struct sysv_shared_memory_options {
  permissions perms = permissions::owner_only();
};

class sysv_shared_memory {
 public:
  // Whether this build has System V shared memory.
  static constexpr bool supported = XIPC_HAS_SYSV_SHM != 0;

  sysv_shared_memory() noexcept = default;
  sysv_shared_memory(sysv_shared_memory&& other) noexcept { swap(other); }
  sysv_shared_memory& operator=(sysv_shared_memory&& other) noexcept {
    if (this != &other) {
      sysv_shared_memory gone(std::move(*this));
      swap(other);
    }
    return *this;
  }
  sysv_shared_memory(const sysv_shared_memory&) = delete;
  sysv_shared_memory& operator=(const sysv_shared_memory&) = delete;
  ~sysv_shared_memory();  // detaches (shmdt); the segment stays until remove()

  // A new segment of `size` bytes (zero-filled), attached read-write:
  // errc::already_exists when the name's key is taken, errc::invalid_argument
  // for size 0 or a size above the system's limit (naming /proc/sys/kernel/shmmax).
  static sysv_shared_memory create(std::string_view name, std::size_t size,
                                   const sysv_shared_memory_options& options = {});
  static sysv_shared_memory create(std::string_view name, std::size_t size, std::error_code& ec,
                                   const sysv_shared_memory_options& options = {});
  // The segment of an existing name, attached whole: errc::not_found when
  // absent, errc::permission_denied for an owner or mode not trusted,
  // errc::corrupted when the key's segment is not this name's.
  static sysv_shared_memory open(std::string_view name, access mode = access::read_write,
                                 const sysv_shared_memory_options& options = {});
  static sysv_shared_memory open(std::string_view name, access mode, std::error_code& ec,
                                 const sysv_shared_memory_options& options = {});
  // Marks the name's segment for removal (IPC_RMID): false when there is
  // none; errc::corrupted, removing nothing, when the key's segment is not
  // this name's (ipcrm can remove it by id).
  static bool remove(std::string_view name);
  static bool remove(std::string_view name, std::error_code& ec);

  // The System V key a valid portable name maps to.
  static std::int32_t key_of(std::string_view name) noexcept;

  std::byte* data() const noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }
  bool writable() const noexcept { return mode_ == access::read_write; }
  bool is_open() const noexcept { return data_ != nullptr; }
  const std::string& name() const noexcept { return name_; }
  // The segment's id (shmid), as ipcs shows it.
  int id() const noexcept { return id_; }

  // Bounds-checked copies, as shared_memory's.
  std::error_code write(std::size_t offset, std::span<const std::byte> bytes) noexcept;
  std::error_code read(std::size_t offset, std::span<std::byte> buffer) const noexcept;

 private:
  sysv_shared_memory(std::byte* data, std::size_t size, access mode, int id, std::string name) noexcept
      : data_(data), size_(size), mode_(mode), id_(id), name_(std::move(name)) {}
  static sysv_shared_memory create(std::string_view name, std::size_t size, const sysv_shared_memory_options& options,
                                   detail::failure& why);
  static sysv_shared_memory open(std::string_view name, access mode, const sysv_shared_memory_options& options,
                                 detail::failure& why);
  static bool remove(std::string_view name, detail::failure& why);
  void swap(sysv_shared_memory& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(size_, other.size_);
    std::swap(mode_, other.mode_);
    std::swap(id_, other.id_);
    std::swap(name_, other.name_);
  }

  std::byte* data_ = nullptr;
  std::size_t size_ = 0;
  access mode_ = access::read_only;
  int id_ = -1;
  std::string name_;
};

static_assert(memory_region<sysv_shared_memory>);

}  // namespace xipc
