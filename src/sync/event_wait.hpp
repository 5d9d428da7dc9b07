// The one sleeping loop of every waiting xipc object (the ring, the shm
// mailbox, the process lock), over an event count (xipc/detail/event_count.hpp):
// announce, try, sleep; and every liveness_interval of waiting, look at
// whether the other side still lives, so that a peer that died is noticed
// even though it never notifies again.
#pragma once

#include <xipc/deadline.hpp>
#include <xipc/error.hpp>
#include <xipc/wait_policy.hpp>
#include <xipc/detail/event_count.hpp>

#include <algorithm>
#include <chrono>
#include <system_error>
#include <thread>

namespace xipc::detail {

// How long a sleeper waits at most before it looks at its peer again: a
// dead peer is reported within about this long.
inline constexpr std::chrono::milliseconds liveness_interval{20};

// A side that spins without ever sleeping (wait_mode::spin) offers its CPU to
// any other runnable thread at each clock read once it has spun this long
// without result. It still never sleeps: with nothing else to run, the yield
// returns at once. But where the two sides share a CPU (more spinning
// threads than CPUs), the one that waits steps aside within microseconds
// rather than burning the rest of its time slice (docs/ring.md, "Waiting
// and waking").
inline constexpr std::chrono::microseconds spin_yield_after{100};
// An adaptive side does the same from 5 µs on: it sleeps once its budget is
// spent anyway, and until then a thread that shares its CPU (more waiting
// threads than CPUs: four broadcast subscribers on one core, say) would
// wait out the whole budget behind it. A wait that ends sooner, as in a
// round trip or a stream, never yields (docs/ring.md, "Waiting and waking").
inline constexpr std::chrono::microseconds adaptive_yield_after{5};

// Called by a side that spins (spin or adaptive) at a clock read: yields as
// above when the side has been spinning since `spin_start`.
inline void yield_if_long(wait_mode mode, std::chrono::steady_clock::time_point spin_start,
                          std::chrono::steady_clock::time_point now) noexcept {
  if (now - spin_start >= (mode == wait_mode::spin ? spin_yield_after : adaptive_yield_after)) {
    std::this_thread::yield();
  }
}

// Sleeps on `event` until attempt() returns anything but errc::would_block,
// which it then returns; until `until` passes (errc::timed_out); or until
// watch(), called once per liveness_interval of waiting from `next_watch` on,
// returns anything but errc::would_block (a peer found dead, say), which it
// then returns. Every attempt that a sleep may follow comes after the
// announcement, so a change that attempt() missed wakes that sleep; after a
// wake, attempt() first looks without one.
// Not inlined: a caller's spin loop before it (the ring's) stays as small as
// it was, which its round trip measurably depends on (docs/ring.md).
template <class Attempt, class Watch>
#if defined(__GNUC__) || defined(__clang__)
[[gnu::noinline]]
#endif
std::error_code sleep_until(event_count event, Attempt&& attempt, Watch&& watch, deadline until,
                            std::chrono::steady_clock::time_point next_watch) noexcept {
  using clock = std::chrono::steady_clock;
  for (;;) {
    const std::uint32_t key = event.prepare_wait();
    std::error_code error = attempt();
    if (error == errc::would_block) {
      const auto now = clock::now();
      if (now >= until.time_point()) {
        error = make_error_code(errc::timed_out);
      } else if (now >= next_watch) {
        error = watch();
        next_watch = now + liveness_interval;
      }
      if (error == errc::would_block) {
        event.wait(key, std::min<clock::duration>(until.time_point() - now, next_watch - now));
        // Woken (or early): look before announcing again. What woke us is
        // usually there, and the announcement costs a read-modify-write, and
        // where the event count fences, a heavy fence.
        error = attempt();
        if (error != errc::would_block) return error;
        continue;
      }
    }
    event.cancel_wait(key);
    return error;
  }
}

}  // namespace xipc::detail
