// A 32-bit word in memory shared between processes that threads of any of
// them sleep on until it changes (src/backend/wait_wake.hpp; the event count,
// xipc/detail/event_count.hpp, is how xipc uses it). Linux
// sleeps on the word itself (futex). Windows cannot wait on an address across
// processes, so the word carries a key that names a semaphore, and the count
// of threads that hold that semaphore open.
#pragma once

#include <atomic>
#include <cstdint>

namespace xipc::detail {

struct wait_word {
  std::atomic<std::uint32_t> value;    // what sleepers wait to see change
  std::atomic<std::uint32_t> waiters;  // threads inside wait_on_word: a wake with none makes no system call
  std::uint64_t key;                   // written once by whoever formats the region; never trusted for more than a name
};
static_assert(sizeof(wait_word) == 16);

}  // namespace xipc::detail
