// A condition variable shared between processes, used with a process_mutex:
// named (a small region of its own, in the condition namespace) or placed in
// memory the caller already shares, as Boost.Interprocess's named_condition
// and interprocess_condition are.
//
//   auto lock = xipc::process_mutex::open("queue.lock");
//   auto nonempty = xipc::process_condition::open("queue.nonempty");
//   if (auto ec = lock.lock()) { /* see process_mutex */ }
//   std::error_code ec = nonempty.wait(lock, 100ms, [&] { return queue->count > 0; });
//   if (!ec) { /* held, and the queue has something */ }
//   if (xipc::lock_is_held(ec)) lock.unlock();   // see wait() below for which results hold it
//
// wait() announces the sleep before it lets go of the mutex, so a notify by
// anyone who takes the mutex afterwards wakes it: no wake-up is lost
// (xipc/detail/event_count.hpp has the argument). It then takes the mutex
// again, with the same deadline, before it returns. A wait may return
// without a notify (spuriously), as every condition variable may: check
// what you wait for, or use the predicate form, which does.
//
// notify_one() wakes every waiter, as notify_all() does: the wait words of
// every backend wake all sleepers of a word, which a condition variable may
// do; each woken waiter takes the mutex in turn and checks its predicate.
// With many waiters and one ready item, all but one go back to sleep.
//
// Thread safety: one process_condition object may be used by many threads at
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
#include <xipc/process_mutex.hpp>
#include <xipc/shared_memory.hpp>

namespace xipc {
namespace detail {
struct failure;
struct process_condition_layout;
}  // namespace detail

// A placed process_condition takes this many bytes, 8-aligned.
inline constexpr std::size_t process_condition_bytes = 64;

// Whether `mutex` is held after a process_condition::wait that returned `ec`.
inline bool lock_is_held(std::error_code ec) noexcept {
  return !ec || ec == errc::timed_out || ec == errc::would_block || ec == errc::owner_died;
}

class process_condition {
 public:
  process_condition() noexcept = default;
  process_condition(process_condition&& other) noexcept
      : region_(std::move(other.region_)), layout_(std::exchange(other.layout_, nullptr)) {}
  process_condition& operator=(process_condition&& other) noexcept {
    if (this != &other) {
      region_ = std::move(other.region_);
      layout_ = std::exchange(other.layout_, nullptr);
    }
    return *this;
  }

  // A new named condition: errc::already_exists when the name is taken.
  static process_condition create(std::string_view name, const permissions& perms = permissions::owner_only());
  static process_condition create(std::string_view name, std::error_code& ec,
                                  const permissions& perms = permissions::owner_only());
  // An existing named condition, checked as every named object is; errc::not_found when absent.
  static process_condition open(std::string_view name, const permissions& perms = permissions::owner_only());
  static process_condition open(std::string_view name, std::error_code& ec,
                                const permissions& perms = permissions::owner_only());
  // Removes the name; open handles keep working. False when there was none.
  static bool remove(std::string_view name);
  static bool remove(std::string_view name, std::error_code& ec);

  // A condition placed at `memory` (process_condition_bytes, 8-aligned). The
  // memory stays the caller's and must outlive the object.
  static process_condition format(std::span<std::byte> memory);
  static process_condition format(std::span<std::byte> memory, std::error_code& ec);
  // The condition another process formatted at `memory`: errc::corrupted
  // when what is there is not one.
  static process_condition attach(std::span<std::byte> memory);
  static process_condition attach(std::span<std::byte> memory, std::error_code& ec);

  // Lets go of `mutex`, which this process must hold, sleeps until a notify
  // or `until`, and takes `mutex` again. Held afterwards (lock_is_held):
  //   success             notified, or woken spuriously;
  //   errc::timed_out     `until` passed first (errc::would_block for an
  //                       immediate deadline, which never sleeps);
  //   errc::owner_died    taken again from a holder that died holding it:
  //                       repair, then mutex.consistent(). Also returned at
  //                       once, without sleeping, when `mutex` is still to be
  //                       repaired: letting go then would make it not recoverable.
  // Not held afterwards:
  //   errc::busy          `until` passed while another live process held
  //                       `mutex`: every wait honours its deadline;
  //   errc::not_recoverable, errc::corrupted  as mutex.lock() says;
  //   errc::invalid_argument  this process does not hold `mutex` (it was
  //                       not let go), or either object is not open.
  std::error_code wait(process_mutex& mutex, deadline until = deadline::forever()) noexcept;
  // Waits until ready() holds, which it calls with `mutex` held: success
  // when it does; errc::timed_out (or errc::would_block) when `until` passed
  // with ready() still false; any other result of wait() as that says.
  template <class Predicate>
  std::error_code wait(process_mutex& mutex, deadline until, Predicate ready) {
    while (!ready()) {
      const std::error_code ec = wait(mutex, until);
      if (ec == errc::timed_out || ec == errc::would_block) return ready() ? std::error_code{} : ec;
      if (ec) return ec;
    }
    return {};
  }

  // Wakes the waiters; costs no system call when nobody waits. Callers
  // usually hold the mutex, so that a waiter cannot miss the change that
  // the notify announces between looking at it and sleeping.
  void notify_one() noexcept;
  void notify_all() noexcept;

  bool is_open() const noexcept { return layout_ != nullptr; }

 private:
  process_condition(shared_memory region, detail::process_condition_layout* layout) noexcept
      : region_(std::move(region)), layout_(layout) {}
  static process_condition create(std::string_view name, const permissions& perms, detail::failure& why);
  static process_condition open(std::string_view name, const permissions& perms, detail::failure& why);
  static process_condition place(std::span<std::byte> memory, bool format, detail::failure& why);

  shared_memory region_;  // named conditions only
  detail::process_condition_layout* layout_ = nullptr;
};

}  // namespace xipc
