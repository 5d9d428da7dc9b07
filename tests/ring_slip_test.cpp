// The decision of when a ring's consumer slips behind a streaming producer
// (xipc/detail/ring_slip.hpp). What a slip gains is measured in xipc-bench,
// not here; here: when it happens, and that a ping-pong rarely pays for it.
#include <xipc/detail/ring_slip.hpp>

#include <gtest/gtest.h>

#include <cstdint>

namespace {

using xipc::detail::ring_slip;

constexpr unsigned quick = ring_slip::quick_wait_polls;
constexpr unsigned slow = ring_slip::quick_wait_polls + 1;

// One wait for one message, as the consumer does it; returns whether it slipped.
bool wait_then_take(ring_slip& slip, unsigned polls, std::uint32_t messages = 1) {
  const bool slipped = slip.before_wait();
  slip.after_wait(polls);
  for (std::uint32_t i = 0; i < messages; ++i) slip.took_message();
  return slipped;
}

TEST(ring_slip, a_new_consumer_does_not_slip) {
  ring_slip slip;
  EXPECT_FALSE(slip.before_wait());
  EXPECT_FALSE(slip.slipping());
}

TEST(ring_slip, starts_after_quick_waits_in_a_row) {
  ring_slip slip;
  for (std::uint32_t i = 0; i < ring_slip::first_enable_after; ++i) {
    EXPECT_FALSE(wait_then_take(slip, quick)) << "wait " << i;
  }
  EXPECT_TRUE(slip.before_wait());
}

TEST(ring_slip, a_slow_wait_starts_the_count_again) {
  ring_slip slip;
  for (std::uint32_t i = 0; i + 1 < ring_slip::first_enable_after; ++i) wait_then_take(slip, quick);
  wait_then_take(slip, slow);
  for (std::uint32_t i = 0; i + 1 < ring_slip::first_enable_after; ++i) {
    EXPECT_FALSE(wait_then_take(slip, quick)) << "wait " << i;
  }
  EXPECT_FALSE(slip.slipping());
  wait_then_take(slip, quick);
  EXPECT_TRUE(slip.slipping());
}

TEST(ring_slip, a_slip_that_found_a_run_goes_on) {
  ring_slip slip;
  for (std::uint32_t i = 0; i < ring_slip::first_enable_after; ++i) wait_then_take(slip, quick);
  for (int stretch = 0; stretch < 100; ++stretch) {
    // After a slip the first poll finds a message, and many follow.
    EXPECT_TRUE(wait_then_take(slip, 1, ring_slip::min_run)) << "stretch " << stretch;
  }
  EXPECT_EQ(slip.enable_after(), ring_slip::first_enable_after);
}

TEST(ring_slip, a_slip_that_found_too_few_stops_and_asks_for_twice_the_quick_waits) {
  ring_slip slip;
  for (std::uint32_t i = 0; i < ring_slip::first_enable_after; ++i) wait_then_take(slip, quick);
  EXPECT_TRUE(wait_then_take(slip, 1, ring_slip::min_run - 1));
  EXPECT_FALSE(slip.before_wait());
  EXPECT_EQ(slip.enable_after(), 2 * ring_slip::first_enable_after);
  // This wait is the first of the eight quick ones asked for: the slip's own
  // quick wait did not count (else the loop below would end one too soon).
  slip.after_wait(quick);
  slip.took_message();
  for (std::uint32_t i = 1; i < 2 * ring_slip::first_enable_after; ++i) {
    EXPECT_FALSE(wait_then_take(slip, quick)) << "wait " << i;
  }
  EXPECT_TRUE(slip.before_wait());
}

TEST(ring_slip, the_quick_waits_asked_for_stop_growing_at_the_maximum) {
  ring_slip slip;
  for (int failure = 0; failure < 20; ++failure) {
    while (!wait_then_take(slip, quick)) {
    }
  }
  EXPECT_EQ(slip.enable_after(), ring_slip::max_enable_after);
}

TEST(ring_slip, a_success_after_failures_starts_over_at_the_first_count) {
  ring_slip slip;
  for (int failure = 0; failure < 3; ++failure) {
    while (!wait_then_take(slip, quick)) {
    }
  }
  ASSERT_GT(slip.enable_after(), ring_slip::first_enable_after);
  while (!wait_then_take(slip, quick, ring_slip::min_run)) {
  }
  EXPECT_TRUE(slip.before_wait());
  EXPECT_EQ(slip.enable_after(), ring_slip::first_enable_after);
}

// Request/reply: every wait is quick and ends with one message. Slips come
// at 4, 8, ... 4096 quick waits, then once per 4096.
TEST(ring_slip, a_ping_pong_rarely_slips) {
  ring_slip slip;
  constexpr int round_trips = 200'000;
  int slips = 0;
  for (int i = 0; i < round_trips; ++i) slips += wait_then_take(slip, 1) ? 1 : 0;
  EXPECT_GT(slips, 0);
  EXPECT_LE(slips, 11 + round_trips / static_cast<int>(ring_slip::max_enable_after) + 1);
}

TEST(ring_slip, a_blocking_or_slow_stream_never_slips) {
  ring_slip slip;
  for (int i = 0; i < 10'000; ++i) EXPECT_FALSE(wait_then_take(slip, slow, 100));
}

}  // namespace
