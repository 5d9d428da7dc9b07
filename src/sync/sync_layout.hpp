// The shared layouts of the synchronization objects (xipc/semaphore.hpp,
// xipc/process_mutex.hpp), named or placed: the contract between every
// process that uses one. Everything read from here is checked before use.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include <xipc/process_condition.hpp>
#include <xipc/process_mutex.hpp>
#include <xipc/semaphore.hpp>
#include <xipc/detail/wait_word.hpp>

#include "sync/process_lock.hpp"

namespace xipc::detail {

// "xipcsem1", "xipcmtx1" and "xipccnd1" read as little-endian integers.
// Every layout starts with its magic (sync_regions::open waits for it).
inline constexpr std::uint64_t semaphore_magic = 0x316d657363706978ull;
inline constexpr std::uint64_t process_mutex_magic = 0x3178746d63706978ull;
inline constexpr std::uint64_t process_condition_magic = 0x31646e6363706978ull;
inline constexpr std::uint32_t sync_layout_version = 2;

struct semaphore_layout {
  std::atomic<std::uint64_t> magic;  // written last by format (release)
  std::uint32_t version;
  std::atomic<std::uint32_t> count;     // 0..semaphore_max_value
  wait_word epoch;                      // with `sleepers`: the event count that post notifies
  std::atomic<std::uint32_t> sleepers;
};
static_assert(sizeof(semaphore_layout) <= semaphore_bytes);

// A process_mutex's state besides its lock.
enum class mutex_state : std::uint32_t {
  consistent = 0,
  owner_died = 1,      // taken over from a dead holder; the new holder has not said it repaired
  not_recoverable = 2, // unlocked without repair: locks fail from now on
};

struct process_mutex_layout {
  std::atomic<std::uint64_t> magic;  // written last by format (release)
  std::uint32_t version;
  std::atomic<std::uint32_t> state;  // mutex_state
  process_lock_word lock;            // holder token, and the event count unlock notifies
};
static_assert(sizeof(process_mutex_layout) <= process_mutex_bytes);

struct process_condition_layout {
  std::atomic<std::uint64_t> magic;  // written last by format (release)
  std::uint32_t version;
  std::uint32_t reserved;
  wait_word epoch;  // with `sleepers`: the event count that notify wakes
  std::atomic<std::uint32_t> sleepers;
};
static_assert(sizeof(process_condition_layout) <= process_condition_bytes);

static_assert(offsetof(semaphore_layout, magic) == 0 && offsetof(process_mutex_layout, magic) == 0 &&
              offsetof(process_condition_layout, magic) == 0);

}  // namespace xipc::detail
