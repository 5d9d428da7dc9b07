#include <xipc/deadline.hpp>

#include <gtest/gtest.h>

#include <thread>

namespace {

using namespace std::chrono_literals;
using xipc::deadline;

TEST(deadline, forever_never_expires) {
  const auto d = deadline::forever();
  EXPECT_TRUE(d.is_forever());
  EXPECT_FALSE(d.is_immediate());
  EXPECT_FALSE(d.expired());
  EXPECT_EQ(d.remaining(), deadline::clock::duration::max());
  EXPECT_EQ(d.remaining_poll_ms(), -1);
}

TEST(deadline, immediately_has_always_expired) {
  const auto d = deadline::immediately();
  EXPECT_TRUE(d.is_immediate());
  EXPECT_TRUE(d.expired());
  EXPECT_EQ(d.remaining(), deadline::clock::duration::zero());
  EXPECT_EQ(d.remaining_poll_ms(), 0);
}

TEST(deadline, after_a_duration_expires_once_it_passed) {
  const auto d = deadline::after(20ms);
  EXPECT_FALSE(d.is_forever());
  EXPECT_FALSE(d.is_immediate());
  EXPECT_FALSE(d.expired());
  EXPECT_GT(d.remaining(), 0ms);
  EXPECT_LE(d.remaining(), 20ms);
  EXPECT_GE(d.remaining_poll_ms(), 1);
  EXPECT_LE(d.remaining_poll_ms(), 20);
  // Some sleeps end a little early (mingw's rounds to the system timer): sleep until it is really past.
  while (deadline::clock::now() < d.time_point()) std::this_thread::sleep_until(d.time_point());
  EXPECT_TRUE(d.expired());
  EXPECT_EQ(d.remaining(), 0ms);
  EXPECT_EQ(d.remaining_poll_ms(), 0);
}

TEST(deadline, zero_or_negative_duration_means_immediately) {
  EXPECT_EQ(deadline::after(0ms), deadline::immediately());
  EXPECT_EQ(deadline::after(-5s), deadline::immediately());
}

TEST(deadline, duration_too_long_to_represent_means_forever) {
  EXPECT_TRUE(deadline::after(std::chrono::hours::max()).is_forever());
}

TEST(deadline, poll_milliseconds_round_up) {
  // 1.5 ms must not become 1 ms, or a poll loop would wake early and spin.
  const auto d = deadline::after(1500us);
  EXPECT_EQ(d.remaining_poll_ms(), 2);
}

TEST(deadline, a_duration_converts_implicitly) {
  const auto accept = [](deadline d) { return d; };
  const auto d = accept(50ms);
  EXPECT_FALSE(d.is_forever());
  EXPECT_FALSE(d.expired());
  EXPECT_LE(d.remaining(), 50ms);
}

TEST(deadline, at_keeps_the_time_point) {
  const auto when = deadline::clock::now() + 1h;
  EXPECT_EQ(deadline::at(when).time_point(), when);
}

}  // namespace
