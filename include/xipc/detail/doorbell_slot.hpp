// Where a waiting end announces its readiness handle in shared memory: the id
// of its doorbell (src/backend/doorbell.hpp) and whether it is armed. Whoever
// wakes the event count the slot sits beside rings every armed doorbell there
// (event_count::wake_all). Read from shared memory, so never trusted: an id
// is only ever a name to ring, and a forged one wakes someone in vain.
#pragma once

#include <atomic>
#include <cstdint>

namespace xipc::detail {

struct doorbell_slot {
  std::atomic<std::uint64_t> id;      // the doorbell to ring; 0 when the slot is free
  std::atomic<std::uint64_t> holder;  // the process token of the end that claimed it
  std::atomic<std::uint32_t> armed;   // doorbell_idle, doorbell_armed or doorbell_rung
  std::uint32_t reserved;
  std::uint64_t reserved_too;
};
static_assert(sizeof(doorbell_slot) == 32);

inline constexpr std::uint32_t doorbell_idle = 0;   // the holder is not waiting on its handle
inline constexpr std::uint32_t doorbell_armed = 1;  // it waits: ring it at the next change
inline constexpr std::uint32_t doorbell_rung = 2;   // rung since it armed: its handle has something to clear

}  // namespace xipc::detail
