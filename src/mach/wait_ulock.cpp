// backend/wait_wake.hpp on macOS. The kernel's compare-and-wait on a word
// shared between processes, through one of two doors:
//   os_sync_wait_on_address_with_timeout / os_sync_wake_by_address_all, the
//     public API since macOS 14.4, looked up when first needed (the SDKs this
//     builds against may predate it, and a build for macOS 13 must run there);
//   __ulock_wait2 / __ulock_wake with UL_COMPARE_AND_WAIT_SHARED, the
//     system calls the public API wraps, exported by libSystem since macOS 11
//     (__ulock_wait2 takes nanoseconds; __ulock_wait's microseconds since 10.12).
// Both compare the word and sleep in one step, as futex does, so the
// waiter count of linux/wait_futex.cpp carries over unchanged: a wake with
// nobody inside wait_on_word makes no system call.
#include "backend/wait_wake.hpp"

#include <dlfcn.h>

#include <atomic>
#include <cstdint>

extern "C" {
// libSystem's (xnu bsd/sys/ulock.h); not in the SDK's headers.
int __ulock_wait2(std::uint32_t operation, void* address, std::uint64_t value, std::uint64_t timeout_ns,
                  std::uint64_t value2);
int __ulock_wake(std::uint32_t operation, void* address, std::uint64_t wake_value);
}

namespace xipc::detail {
namespace {

constexpr std::uint32_t ul_compare_and_wait_shared = 3;  // UL_COMPARE_AND_WAIT_SHARED: any process mapping the word
constexpr std::uint32_t ulf_wake_all = 0x100;            // ULF_WAKE_ALL
constexpr std::uint32_t ulf_no_errno = 0x01000000;       // ULF_NO_ERRNO: the error as the result, errno untouched

// <os/os_sync_wait_on_address.h> of macOS 14.4.
constexpr std::uint32_t os_sync_wait_on_address_shared = 1;  // OS_SYNC_WAIT_ON_ADDRESS_SHARED
constexpr std::uint32_t os_sync_wake_by_address_shared = 1;  // OS_SYNC_WAKE_BY_ADDRESS_SHARED
constexpr std::uint32_t os_clock_mach_absolute_time = 32;    // OS_CLOCK_MACH_ABSOLUTE_TIME

using os_wait_with_timeout = int (*)(void*, std::uint64_t, std::size_t, std::uint32_t, std::uint32_t, std::uint64_t);
using os_wake_all = int (*)(void*, std::size_t, std::uint32_t);

struct public_api {
  os_wait_with_timeout wait = nullptr;
  os_wake_all wake = nullptr;
};

const public_api& os_sync() noexcept {
  static const public_api api = [] {
    public_api found;
    found.wait = reinterpret_cast<os_wait_with_timeout>(::dlsym(RTLD_DEFAULT, "os_sync_wait_on_address_with_timeout"));
    found.wake = reinterpret_cast<os_wake_all>(::dlsym(RTLD_DEFAULT, "os_sync_wake_by_address_all"));
    if (found.wait == nullptr || found.wake == nullptr) found = {};
    return found;
  }();
  return api;
}

}  // namespace

void wait_on_word(wait_word& word, std::uint32_t expected, std::chrono::nanoseconds timeout) noexcept {
  if (timeout <= std::chrono::nanoseconds::zero()) return;
  const auto nanoseconds = static_cast<std::uint64_t>(timeout.count());
  void* const address = &word.value;
  word.waiters.fetch_add(1, std::memory_order_seq_cst);
  // A changed word, a wake, EINTR and ETIMEDOUT all mean: go and look again.
  if (const public_api& api = os_sync(); api.wait != nullptr) {
    // The timeout is relative, in nanoseconds of the clock named.
    api.wait(address, expected, sizeof(std::uint32_t), os_sync_wait_on_address_shared, os_clock_mach_absolute_time,
             nanoseconds);
  } else {
    __ulock_wait2(ul_compare_and_wait_shared | ulf_no_errno, address, expected, nanoseconds, 0);
  }
  word.waiters.fetch_sub(1, std::memory_order_relaxed);
}

void wake_word(wait_word& word, std::uint32_t /*left*/) noexcept {
  if (word.waiters.fetch_add(0, std::memory_order_seq_cst) == 0) return;
  void* const address = &word.value;
  if (const public_api& api = os_sync(); api.wake != nullptr) {
    api.wake(address, sizeof(std::uint32_t), os_sync_wake_by_address_shared);
  } else {
    __ulock_wake(ul_compare_and_wait_shared | ulf_wake_all | ulf_no_errno, address, 0);
  }
}

// macOS has no membarrier: notifiers keep the read-modify-write.
bool register_light_notifier() noexcept { return false; }
bool heavy_fence() noexcept { return false; }

}  // namespace xipc::detail
