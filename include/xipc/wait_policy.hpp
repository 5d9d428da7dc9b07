// How an xipc object waits for room or for a message: spin, block, or spin a
// while and then sleep. The ring ends, broadcast ends, wait sets and
// mailboxes take one.
//
// Thread safety: a plain value.
#pragma once

#include <chrono>

namespace xipc {

// How a side waits for room or for a message.
enum class wait_mode {
  spin,      // never sleeps: lowest latency, burns a core while waiting; after
             // 100 µs of waiting it offers the core to other runnable threads
             // (a yield) at each clock read, which returns at once when there are none
  block,     // sleeps at once: no CPU while waiting, a wake-up costs system calls
  adaptive,  // spins for wait_policy::spin_budget, then sleeps; from 5 µs of waiting
             // on it offers the core to other runnable threads at each clock read
};
// A ring consumer that spins (spin, or adaptive before it sleeps) may also
// fall up to 2 µs behind a producer that streams small messages, to read
// finished cache lines instead of the one being written (docs/ring.md,
// "Slipping behind a streaming producer"). A blocking one never does.

struct wait_policy {
  wait_mode mode = wait_mode::adaptive;
  std::chrono::nanoseconds spin_budget = std::chrono::microseconds(50);
};

}  // namespace xipc
