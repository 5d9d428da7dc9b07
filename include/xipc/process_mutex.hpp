// A mutex shared between processes that survives its holder's death: named
// (a small region of its own, in the mutex namespace) or placed in memory the
// caller already shares.
//
//   auto guard = xipc::process_mutex::create("ledger");
//   std::error_code ec = guard.lock(std::chrono::seconds(1));
//   if (ec == xipc::errc::owner_died) {  // its last holder died holding it
//     /* repair what it protects */
//     ec = guard.consistent();
//   }
//   if (!ec) guard.unlock();
//
// Its holder is a process (pid and start time, as the ring's ends are), so a
// holder killed with the lock held is noticed by the next locker within
// about 20 ms of waiting: that locker gets the lock with errc::owner_died,
// and must repair what the mutex protects and call consistent() before
// unlock(). Unlocked without that, the mutex is not recoverable: every later
// lock is errc::not_recoverable, as POSIX robust mutexes do (EOWNERDEAD,
// ENOTRECOVERABLE). A holder that lives but never lets go costs a locker its
// deadline, never more. Threads of one process exclude each other too; the
// mutex is not recursive, and any thread of the holding process may unlock.
//
// Thread safety: one process_mutex object may be used by many threads at
// once; moving or assigning it must not race with other use.
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
struct process_mutex_layout;
}  // namespace detail

// A placed process_mutex takes this many bytes, 8-aligned.
inline constexpr std::size_t process_mutex_bytes = 64;

class process_mutex {
 public:
  process_mutex() noexcept = default;
  process_mutex(process_mutex&& other) noexcept
      : region_(std::move(other.region_)), layout_(std::exchange(other.layout_, nullptr)) {}
  process_mutex& operator=(process_mutex&& other) noexcept {
    if (this != &other) {
      region_ = std::move(other.region_);
      layout_ = std::exchange(other.layout_, nullptr);
    }
    return *this;
  }

  // A new named mutex, unlocked: errc::already_exists when the name is taken.
  static process_mutex create(std::string_view name, const permissions& perms = permissions::owner_only());
  static process_mutex create(std::string_view name, std::error_code& ec,
                              const permissions& perms = permissions::owner_only());
  // An existing named mutex, checked as every named object is; errc::not_found when absent.
  static process_mutex open(std::string_view name, const permissions& perms = permissions::owner_only());
  static process_mutex open(std::string_view name, std::error_code& ec,
                            const permissions& perms = permissions::owner_only());
  // Removes the name; open handles keep working. False when there was none.
  static bool remove(std::string_view name);
  static bool remove(std::string_view name, std::error_code& ec);

  // A mutex placed at `memory` (process_mutex_bytes, 8-aligned), formatted
  // unlocked. The memory stays the caller's and must outlive the object.
  static process_mutex format(std::span<std::byte> memory);
  static process_mutex format(std::span<std::byte> memory, std::error_code& ec);
  // The mutex another process formatted at `memory`: errc::corrupted when
  // what is there is not one.
  static process_mutex attach(std::span<std::byte> memory);
  static process_mutex attach(std::span<std::byte> memory, std::error_code& ec);

  // Takes the mutex, waiting until `until`. Success, or errc::owner_died
  // (held: repair, then consistent()); errc::would_block for an immediate
  // deadline and errc::timed_out after one (not held); errc::not_recoverable
  // (not held); errc::corrupted when its shared state is damaged (not held).
  std::error_code lock(deadline until = deadline::forever()) noexcept;
  // lock(deadline::immediately()).
  std::error_code try_lock() noexcept;
  // Lets go; after an errc::owner_died lock without consistent(), the mutex
  // becomes not recoverable. Does nothing when this process does not hold it.
  void unlock() noexcept;
  // Says that what the mutex protects is repaired after errc::owner_died.
  // errc::invalid_argument when this process does not hold it.
  std::error_code consistent() noexcept;

  bool is_open() const noexcept { return layout_ != nullptr; }

 private:
  friend class process_condition;  // lets go and takes again around a wait
  process_mutex(shared_memory region, detail::process_mutex_layout* layout) noexcept
      : region_(std::move(region)), layout_(layout) {}
  static process_mutex create(std::string_view name, const permissions& perms, detail::failure& why);
  static process_mutex open(std::string_view name, const permissions& perms, detail::failure& why);
  static process_mutex place(std::span<std::byte> memory, bool format, detail::failure& why);

  shared_memory region_;  // named mutexes only
  detail::process_mutex_layout* layout_ = nullptr;
};

}  // namespace xipc
