// A counting semaphore shared between processes: named (a small region of its
// own, in the semaphore namespace) or placed in memory the caller already
// shares (a shared_memory, a ring's neighbour, any mapped region).
//
//   auto slots = xipc::semaphore::create("slots", 8);    // 8 free slots
//   auto again = xipc::semaphore::open("slots");          // in another process
//   if (auto ec = again.wait(100ms)) { /* errc::timed_out */ }
//   again.post();
//   xipc::semaphore::remove("slots");
//
// wait() spins briefly, then sleeps on the semaphore's event count (a futex
// on Linux, a named semaphore per word on Windows) until a post, its
// deadline, or nothing: a post wakes every sleeper, and each tries again.
// Nothing read from the shared words is trusted: a count above
// semaphore_max_value, a bad magic or version is errc::corrupted.
//
// Thread safety: one semaphore object may be used by many threads at once;
// moving or assigning it must not race with other use.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <system_error>
#include <utility>

#include <xipc/deadline.hpp>
#include <xipc/error.hpp>
#include <xipc/permissions.hpp>
#include <xipc/shared_memory.hpp>

namespace xipc {
namespace detail {
struct failure;
struct semaphore_layout;
}  // namespace detail

// A placed semaphore takes this many bytes, 8-aligned.
inline constexpr std::size_t semaphore_bytes = 64;
// The largest count; a post beyond it is errc::invalid_argument.
inline constexpr std::uint32_t semaphore_max_value = 0x7fffffff;

class semaphore {
 public:
  semaphore() noexcept = default;
  semaphore(semaphore&& other) noexcept
      : region_(std::move(other.region_)), layout_(std::exchange(other.layout_, nullptr)) {}
  semaphore& operator=(semaphore&& other) noexcept {
    if (this != &other) {
      region_ = std::move(other.region_);
      layout_ = std::exchange(other.layout_, nullptr);
    }
    return *this;
  }

  // A new named semaphore with `initial` as its count: errc::already_exists
  // when the name is taken, errc::invalid_name for a bad name.
  static semaphore create(std::string_view name, std::uint32_t initial,
                          const permissions& perms = permissions::owner_only());
  static semaphore create(std::string_view name, std::uint32_t initial, std::error_code& ec,
                          const permissions& perms = permissions::owner_only());
  // An existing named semaphore, checked as every named object is (owner,
  // mode: docs/shared_memory.md); errc::not_found when absent.
  static semaphore open(std::string_view name, const permissions& perms = permissions::owner_only());
  static semaphore open(std::string_view name, std::error_code& ec,
                        const permissions& perms = permissions::owner_only());
  // Removes the name; open handles keep working. False when there was none.
  static bool remove(std::string_view name);
  static bool remove(std::string_view name, std::error_code& ec);

  // A semaphore placed at `memory` (semaphore_bytes, 8-aligned), formatted
  // with `initial`. The memory stays the caller's and must outlive the object.
  static semaphore format(std::span<std::byte> memory, std::uint32_t initial);
  static semaphore format(std::span<std::byte> memory, std::uint32_t initial, std::error_code& ec);
  // The semaphore another process formatted at `memory`: errc::corrupted
  // when what is there is not one.
  static semaphore attach(std::span<std::byte> memory);
  static semaphore attach(std::span<std::byte> memory, std::error_code& ec);

  // Takes one from the count, waiting until `until` for it to be positive:
  // errc::would_block for an immediate deadline, errc::timed_out after one.
  std::error_code wait(deadline until = deadline::forever()) noexcept;
  // wait(deadline::immediately()): true when one was taken.
  bool try_wait() noexcept;
  // Adds `count` (at least 1) and wakes the sleepers: errc::invalid_argument
  // when the count would pass semaphore_max_value (nothing is added then).
  std::error_code post(std::uint32_t count = 1) noexcept;
  // The count now (another process may change it at once).
  std::uint32_t value() const noexcept;

  bool is_open() const noexcept { return layout_ != nullptr; }

 private:
  semaphore(shared_memory region, detail::semaphore_layout* layout) noexcept
      : region_(std::move(region)), layout_(layout) {}
  static semaphore create(std::string_view name, std::uint32_t initial, const permissions& perms,
                          detail::failure& why);
  static semaphore open(std::string_view name, const permissions& perms, detail::failure& why);
  static semaphore place(std::span<std::byte> memory, std::uint32_t initial, bool format, detail::failure& why);

  shared_memory region_;  // named semaphores only
  detail::semaphore_layout* layout_ = nullptr;
};

}  // namespace xipc
