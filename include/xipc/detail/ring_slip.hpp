// When a ring's consumer should slip behind a streaming producer: the
// decision, kept apart from the ring so that it can be tested on its own.
//
// A consumer that keeps up with a producer streaming small messages waits at
// the producer's write position: it polls the line the producer is filling,
// and that line then crosses between the two caches more than once per
// message. FastForward (Giacomoni, Moseley and Vachharajani, PPoPP 2008)
// calls the cure "temporal slipping": the consumer falls back a little, and
// then reads lines the producer has finished. Here the consumer slips when
// its waits keep ending within a few polls, which is what a fast stream looks
// like from the consumer's side: before its next wait it spins for
// `slip_time` without touching the ring. A slip pays when the producer wrote
// at least `min_run` messages meanwhile; one that found fewer (a ping-pong,
// or a producer that sends now and then) stops the slipping, and the number
// of quick waits that starts it again doubles, up to `max_enable_after`. So a
// request/reply exchange, where every wait ends with one message, pays a slip
// at most once per thousands of round trips. docs/ring.md has the
// measurements.
//
// Not shared between threads: each ring_consumer owns one, in process memory.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace xipc::detail {

class ring_slip {
 public:
  // A wait that ended within this many polls was quick: the producer is writing.
  static constexpr unsigned quick_wait_polls = 3;
  // Quick waits in a row that start slipping, at first.
  static constexpr std::uint32_t first_enable_after = 4;
  // The most quick waits in a row that a failed slip can ask for.
  static constexpr std::uint32_t max_enable_after = 4096;
  // Messages a slip must find for slipping to go on.
  static constexpr std::uint32_t min_run = 32;
  // How long a slip spins without touching the ring.
  static constexpr std::chrono::nanoseconds slip_time{2000};

  // The consumer found the ring empty and is about to wait: whether to slip
  // first. Judges the slip that began the stretch of messages now ending.
  bool before_wait() noexcept {
    if (slipped_) {
      if (run_ < min_run) {
        slipping_ = false;
        enable_after_ = std::min(enable_after_ * 2, max_enable_after);
      } else {
        enable_after_ = first_enable_after;
      }
    }
    slipped_ = slipping_;
    run_ = 0;
    return slipping_;
  }

  // The wait that before_wait() preceded ended with a message after `polls` polls.
  void after_wait(unsigned polls) noexcept {
    if (slipped_) return;  // a slip's own wait says nothing about the producer's pace
    if (polls > quick_wait_polls) {
      quick_waits_ = 0;
      return;
    }
    if (++quick_waits_ >= enable_after_) {
      slipping_ = true;
      quick_waits_ = 0;
    }
  }

  // The consumer took a message (counted up to min_run).
  void took_message() noexcept { run_ += run_ < min_run ? 1 : 0; }

  bool slipping() const noexcept { return slipping_; }
  std::uint32_t enable_after() const noexcept { return enable_after_; }

 private:
  bool slipping_ = false;  // the next wait slips first
  bool slipped_ = false;   // the current stretch began with a slip
  std::uint32_t run_ = 0;  // messages taken since the ring was last found empty
  std::uint32_t quick_waits_ = 0;
  std::uint32_t enable_after_ = first_enable_after;
};

}  // namespace xipc::detail
