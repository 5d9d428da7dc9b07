// When a waiting operation gives up. The message-passing model has three
// waiting modes, and a deadline names each: block forever, block up to a
// point in time, or do not block at all (what every try_ call uses).
//
// Thread safety: a deadline is a value: safe to copy and share.
#pragma once

#include <chrono>
#include <cstdint>

namespace xipc {

class deadline {
 public:
  using clock = std::chrono::steady_clock;

  // Block until the operation completes, however long that takes.
  static constexpr deadline forever() noexcept { return deadline{clock::time_point::max()}; }
  // Do not block: complete now or report errc::would_block.
  static constexpr deadline immediately() noexcept { return deadline{clock::time_point::min()}; }
  // Block up to the given point in time of the steady clock.
  static constexpr deadline at(clock::time_point when) noexcept { return deadline{when}; }
  // Block up to `timeout` from now; a zero or negative timeout means immediately.
  template <class Rep, class Period>
  static deadline after(std::chrono::duration<Rep, Period> timeout) noexcept {
    if (timeout <= timeout.zero()) return immediately();
    const auto now = clock::now();
    // Compared in floating point: converting a huge timeout to nanoseconds would overflow.
    const auto room = clock::time_point::max() - now;
    if (std::chrono::duration<double>(timeout) >= std::chrono::duration<double>(room)) return forever();
    return deadline{now + std::chrono::duration_cast<clock::duration>(timeout)};
  }

  // Lets a duration stand where a deadline is expected: send(msg, 50ms).
  template <class Rep, class Period>
  deadline(std::chrono::duration<Rep, Period> timeout) noexcept  // NOLINT(google-explicit-constructor)
      : deadline(after(timeout)) {}

  constexpr bool is_forever() const noexcept { return when_ == clock::time_point::max(); }
  constexpr bool is_immediate() const noexcept { return when_ == clock::time_point::min(); }
  constexpr clock::time_point time_point() const noexcept { return when_; }

  // True once the deadline has passed; an immediate deadline has always passed.
  bool expired() const noexcept { return !is_forever() && clock::now() >= when_; }

  // Time left, never negative; clock::duration::max() for forever.
  clock::duration remaining() const noexcept {
    if (is_forever()) return clock::duration::max();
    if (is_immediate()) return clock::duration::zero();
    const auto left = when_ - clock::now();
    return left > clock::duration::zero() ? left : clock::duration::zero();
  }

  // Time left in whole milliseconds rounded up, as poll() takes it: -1 is forever.
  int remaining_poll_ms() const noexcept {
    if (is_forever()) return -1;
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(remaining()).count();
    return ms > INT32_MAX ? INT32_MAX : static_cast<int>(ms);
  }

  friend constexpr bool operator==(deadline, deadline) noexcept = default;

 private:
  constexpr explicit deadline(clock::time_point when) noexcept : when_(when) {}
  clock::time_point when_;
};

}  // namespace xipc
