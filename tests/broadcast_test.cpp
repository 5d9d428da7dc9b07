#include <xipc/broadcast.hpp>

#include <gtest/gtest.h>
#include <xipc/anonymous_memory.hpp>
#include <xipc/detail/config.hpp>
#include <xipc/detail/event_count.hpp>
#include <xipc/wait_set.hpp>
#if XIPC_OS_LINUX
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include <cerrno>
#include <cstddef>
#endif

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/setup_error.hpp"
#include "support/handles.hpp"
#include "support/object_names.hpp"
#include "support/peer_process.hpp"
#include "support/raw_region.hpp"
#include "support/sequenced.hpp"

namespace {

using namespace std::chrono_literals;
using xipc::broadcast_options;
using xipc::broadcast_publisher;
using xipc::broadcast_subscriber;
using xipc::deadline;
using xipc::errc;
using xipc::slow_subscriber;
using xipc::test::peer_process;

// A channel in this process's memory: page-aligned, as shared memory is.
class channel_memory {
 public:
  explicit channel_memory(broadcast_options options)
      : memory_(xipc::anonymous_memory::create(xipc::broadcast_memory_bytes(options))) {
    const auto ec = xipc::format_broadcast(bytes(), options);
    EXPECT_FALSE(ec) << ec.message();
  }
  std::span<std::byte> bytes() { return {memory_.data(), memory_.size()}; }
  xipc::detail::broadcast_layout& layout() { return *reinterpret_cast<xipc::detail::broadcast_layout*>(memory_.data()); }

 private:
  xipc::anonymous_memory memory_;
};

struct broadcast_names : xipc::test::object_names {
  broadcast_names()
      : object_names([](const std::string& name) {
          std::error_code ignored;
          xipc::broadcast::remove(name, ignored);
        }) {}
};

// Joins `name`, retrying while its publisher (in another process) has not made it yet.
xipc::broadcast::subscriber subscribe_when_up(const std::string& name) {
  xipc::broadcast::subscriber sub;
  for (int attempt = 0; attempt < 5000 && !sub.is_open(); ++attempt) {
    std::error_code ec;
    sub = xipc::broadcast::subscriber::open(name, {}, ec);
    if (ec) std::this_thread::sleep_for(2ms);
  }
  return sub;
}

std::vector<std::byte> number(std::uint64_t n) {
  std::vector<std::byte> bytes(sizeof n);
  std::memcpy(bytes.data(), &n, sizeof n);
  return bytes;
}

std::uint64_t number_in(std::span<const std::byte> bytes) {
  std::uint64_t n = ~std::uint64_t{0};
  if (bytes.size() == sizeof n) std::memcpy(&n, bytes.data(), sizeof n);
  return n;
}

// Receives one 8-byte number, or fails the test.
std::uint64_t next_number(broadcast_subscriber& sub, std::uint64_t* lost = nullptr) {
  std::array<std::byte, 64> buffer{};
  const auto got = sub.receive(buffer, 5s);
  EXPECT_FALSE(got.error) << got.error.message();
  if (lost != nullptr) *lost = got.lost;
  return number_in(std::span(buffer).first(got.bytes));
}

TEST(broadcast, options_out_of_range_are_refused) {
  EXPECT_EQ(xipc::broadcast_memory_bytes({.slot_count = 3}), 0u);
  EXPECT_EQ(xipc::broadcast_memory_bytes({.slot_count = 1}), 0u);
  EXPECT_EQ(xipc::broadcast_memory_bytes({.max_message_bytes = 0}), 0u);
  EXPECT_EQ(xipc::broadcast_memory_bytes({.max_subscribers = 0}), 0u);
  EXPECT_EQ(xipc::broadcast_memory_bytes({.max_subscribers = 5000}), 0u);
  EXPECT_GT(xipc::broadcast_memory_bytes({}), 256u * 1024);
  std::vector<std::byte> small(64);
  EXPECT_EQ(xipc::format_broadcast(small, {}), errc::invalid_argument);
}

TEST(broadcast, every_subscriber_gets_every_message_in_order) {
  const broadcast_options options{.slot_count = 64, .max_message_bytes = 200, .max_subscribers = 8,
                                  .policy = slow_subscriber::wait};
  channel_memory memory(options);
  auto pub = broadcast_publisher::attach(memory.bytes());
  constexpr int subscribers = 4;
  constexpr std::uint64_t messages = 50000;
  std::vector<broadcast_subscriber> subs;
  for (int i = 0; i < subscribers; ++i) subs.push_back(broadcast_subscriber::attach(memory.bytes()));
  EXPECT_EQ(pub.subscriber_count(), 4u);
  std::atomic<int> wrong{0};
  std::vector<std::thread> readers;
  for (auto& sub : subs) {
    readers.emplace_back([&] {
      std::vector<std::byte> buffer(200);
      for (std::uint64_t i = 0; i < messages; ++i) {
        const auto got = sub.receive(buffer, 10s);
        if (got.error || got.lost != 0 || !xipc::test::is_sequenced(std::span(buffer).first(got.bytes), i, 200)) {
          ++wrong;
          return;
        }
      }
    });
  }
  std::vector<std::byte> message(200);
  for (std::uint64_t i = 0; i < messages; ++i) {
    message.resize(xipc::test::sequenced_size(i, 200));
    xipc::test::fill_sequenced(message, i);
    ASSERT_FALSE(pub.send(message, 10s)) << i;
  }
  for (auto& reader : readers) reader.join();
  EXPECT_EQ(wrong.load(), 0) << "a subscriber missed, lost or misread a message";
}

TEST(broadcast, an_overtaken_subscriber_is_told_how_many_it_lost_and_goes_on_from_the_oldest) {
  const broadcast_options options{.slot_count = 8, .max_message_bytes = 64, .max_subscribers = 2};
  channel_memory memory(options);
  auto pub = broadcast_publisher::attach(memory.bytes());
  auto sub = broadcast_subscriber::attach(memory.bytes());
  for (std::uint64_t i = 0; i < 20; ++i) ASSERT_FALSE(pub.try_send(number(i))) << "overtake never waits";
  std::uint64_t lost = 0;
  EXPECT_EQ(next_number(sub, &lost), 12u) << "slots hold the last 8";
  EXPECT_EQ(lost, 12u);
  for (std::uint64_t i = 13; i < 20; ++i) {
    EXPECT_EQ(next_number(sub, &lost), i);
    EXPECT_EQ(lost, 0u) << "loss is reported once, with the message after it";
  }
  EXPECT_EQ(sub.lost(), 12u);
  std::array<std::byte, 8> buffer{};
  EXPECT_EQ(sub.try_receive(buffer).error, errc::would_block);
}

TEST(broadcast, a_late_joiner_gets_what_comes_after_it_joined) {
  channel_memory memory({.slot_count = 16, .max_message_bytes = 64, .max_subscribers = 4});
  auto pub = broadcast_publisher::attach(memory.bytes());
  auto early = broadcast_subscriber::attach(memory.bytes());
  for (std::uint64_t i = 0; i < 5; ++i) ASSERT_FALSE(pub.try_send(number(i)));
  auto late = broadcast_subscriber::attach(memory.bytes());
  for (std::uint64_t i = 5; i < 8; ++i) ASSERT_FALSE(pub.try_send(number(i)));
  for (std::uint64_t i = 5; i < 8; ++i) EXPECT_EQ(next_number(late), i);
  for (std::uint64_t i = 0; i < 8; ++i) EXPECT_EQ(next_number(early), i);
  std::array<std::byte, 8> buffer{};
  EXPECT_EQ(late.try_receive(buffer).error, errc::would_block);
}

TEST(broadcast, under_the_waiting_policy_the_slowest_subscriber_holds_the_publisher_back) {
  channel_memory memory({.slot_count = 8, .max_message_bytes = 64, .max_subscribers = 4, .policy = slow_subscriber::wait});
  auto pub = broadcast_publisher::attach(memory.bytes());
  auto fast = broadcast_subscriber::attach(memory.bytes());
  auto slow = broadcast_subscriber::attach(memory.bytes());
  for (std::uint64_t i = 0; i < 8; ++i) ASSERT_FALSE(pub.try_send(number(i)));
  for (std::uint64_t i = 0; i < 8; ++i) EXPECT_EQ(next_number(fast), i);
  EXPECT_EQ(pub.try_send(number(8)), errc::would_block);
  EXPECT_EQ(pub.send(number(8), 30ms), errc::timed_out);
  EXPECT_EQ(next_number(slow), 0u);
  ASSERT_FALSE(pub.try_send(number(8))) << "one slot came free";
  std::thread reader([&] {
    std::this_thread::sleep_for(20ms);
    for (std::uint64_t i = 1; i < 9; ++i) EXPECT_EQ(next_number(slow), i);
  });
  EXPECT_FALSE(pub.send(number(9), 5s)) << "woken when the slow one read";
  reader.join();
  for (std::uint64_t i = 8; i < 10; ++i) EXPECT_EQ(next_number(fast), i);
  for (std::uint64_t i = 10; i < 17; ++i) ASSERT_FALSE(pub.try_send(number(i))) << i;
  EXPECT_EQ(pub.try_send(number(17)), errc::would_block) << "the slow one, at 9, holds 17 back";
  for (std::uint64_t i = 10; i < 17; ++i) EXPECT_EQ(next_number(fast), i);
  slow.detach();
  EXPECT_FALSE(pub.try_send(number(17))) << "a subscriber that left holds nothing back";
}

TEST(broadcast, subscribers_are_counted_and_can_be_waited_for) {
  channel_memory memory({.slot_count = 8, .max_message_bytes = 64, .max_subscribers = 2});
  auto pub = broadcast_publisher::attach(memory.bytes());
  EXPECT_EQ(pub.subscriber_count(), 0u);
  EXPECT_EQ(pub.wait_for_subscribers(1, deadline::immediately()), errc::would_block);
  EXPECT_EQ(pub.wait_for_subscribers(1, 20ms), errc::timed_out);
  EXPECT_EQ(pub.wait_for_subscribers(3, 1s), errc::invalid_argument);
  broadcast_subscriber first;
  broadcast_subscriber second;
  std::thread joining([&] {
    first = broadcast_subscriber::attach(memory.bytes());
    std::this_thread::sleep_for(20ms);
    second = broadcast_subscriber::attach(memory.bytes());
  });
  EXPECT_FALSE(pub.wait_for_subscribers(2, 5s));
  joining.join();
  EXPECT_EQ(pub.subscriber_count(), 2u);
  std::error_code ec;
  broadcast_subscriber::attach(memory.bytes(), {}, ec);
  EXPECT_EQ(ec, errc::busy) << "every place is held";
  first.detach();
  EXPECT_EQ(pub.subscriber_count(), 1u);
  auto third = broadcast_subscriber::attach(memory.bytes(), {}, ec);
  EXPECT_FALSE(ec) << "a place left is taken again";
}

TEST(broadcast, a_detached_publisher_is_peer_closed_after_the_drain_and_a_new_one_takes_over) {
  channel_memory memory({.slot_count = 8, .max_message_bytes = 64, .max_subscribers = 2});
  auto pub = broadcast_publisher::attach(memory.bytes());
  auto sub = broadcast_subscriber::attach(memory.bytes());
  std::error_code ec;
  broadcast_publisher::attach(memory.bytes(), {}, ec);
  EXPECT_EQ(ec, errc::busy) << "one publisher at a time";
  ASSERT_FALSE(pub.try_send(number(1)));
  ASSERT_FALSE(pub.try_send(number(2)));
  pub.detach();
  EXPECT_EQ(next_number(sub), 1u);
  EXPECT_EQ(next_number(sub), 2u);
  std::array<std::byte, 8> buffer{};
  EXPECT_EQ(sub.try_receive(buffer).error, errc::peer_closed);
  EXPECT_EQ(sub.receive(buffer, 5s).error, errc::peer_closed) << "at once, not at the deadline";
  auto next = broadcast_publisher::attach(memory.bytes());
  EXPECT_EQ(next.published(), 2u) << "it goes on after the last message";
  ASSERT_FALSE(next.try_send(number(3)));
  EXPECT_EQ(next_number(sub), 3u);
}

TEST(broadcast, a_peeked_message_is_read_in_place_and_holds_its_slot_under_the_waiting_policy) {
  channel_memory memory({.slot_count = 2, .max_message_bytes = 64, .max_subscribers = 2, .policy = slow_subscriber::wait});
  auto pub = broadcast_publisher::attach(memory.bytes());
  auto sub = broadcast_subscriber::attach(memory.bytes());
  ASSERT_FALSE(pub.try_send(number(0)));
  ASSERT_FALSE(pub.try_send(number(1)));
  const auto view = sub.try_peek();
  ASSERT_TRUE(view) << view.error.message();
  EXPECT_EQ(number_in(view.bytes), 0u);
  const auto again = sub.try_peek();
  EXPECT_EQ(again.bytes.data(), view.bytes.data()) << "the same message, where it lies";
  EXPECT_EQ(pub.try_send(number(2)), errc::would_block) << "its slot is held";
  EXPECT_TRUE(sub.release());
  ASSERT_FALSE(pub.try_send(number(2)));
  EXPECT_EQ(number_in(sub.try_peek().bytes), 1u);
  EXPECT_TRUE(sub.release());
  EXPECT_FALSE(sub.release()) << "nothing held";
  EXPECT_EQ(next_number(sub), 2u);
}

TEST(broadcast, a_peeked_message_overtaken_while_held_is_reported_by_release_and_counted_as_lost) {
  channel_memory memory({.slot_count = 4, .max_message_bytes = 64, .max_subscribers = 2});
  auto pub = broadcast_publisher::attach(memory.bytes());
  auto sub = broadcast_subscriber::attach(memory.bytes());
  ASSERT_FALSE(pub.try_send(number(0)));
  const auto view = sub.try_peek();
  ASSERT_TRUE(view);
  for (std::uint64_t i = 1; i < 6; ++i) ASSERT_FALSE(pub.try_send(number(i)));  // 4 written over slot 0
  EXPECT_FALSE(sub.release()) << "what it read may be torn";
  std::uint64_t lost = 0;
  const std::uint64_t next = next_number(sub, &lost);
  EXPECT_EQ(next, 2u) << "the oldest still there";
  EXPECT_EQ(lost, 2u) << "message 0, taken back, and message 1, overtaken";
}

TEST(broadcast, a_message_completed_but_not_counted_by_a_publisher_that_died_is_never_numbered_twice) {
  channel_memory memory({.slot_count = 8, .max_message_bytes = 64, .max_subscribers = 2});
  auto pub = broadcast_publisher::attach(memory.bytes());
  auto sub = broadcast_subscriber::attach(memory.bytes());
  ASSERT_FALSE(pub.try_send(number(0)));
  EXPECT_EQ(next_number(sub), 0u);
  // Message 1 written and stamped complete; the publisher "dies" before it
  // stores published = 2.
  auto slot = pub.try_prepare(8);
  ASSERT_TRUE(slot);
  std::memcpy(slot.bytes.data(), number(1).data(), 8);
  xipc::detail::broadcast_geometry geometry;
  xipc::detail::failure why;
  ASSERT_TRUE(xipc::detail::read_broadcast_geometry(memory.bytes(), geometry, why));
  geometry.head(1).size = 8;
  geometry.head(1).stamp = 2 * 1 + 2;
  pub.detach();
  EXPECT_EQ(next_number(sub), 1u) << "complete: a subscriber may read it";
  std::array<std::byte, 8> buffer{};
  EXPECT_EQ(sub.try_receive(buffer).error, errc::peer_closed);
  auto next = broadcast_publisher::attach(memory.bytes());
  EXPECT_EQ(next.published(), 2u) << "the new publisher counts it";
  ASSERT_FALSE(next.try_send(number(2)));
  EXPECT_EQ(next_number(sub), 2u) << "the next message has the next number";
}

TEST(broadcast, too_large_messages_are_refused_and_a_small_buffer_leaves_the_message) {
  channel_memory memory({.slot_count = 8, .max_message_bytes = 16, .max_subscribers = 2});
  auto pub = broadcast_publisher::attach(memory.bytes());
  auto sub = broadcast_subscriber::attach(memory.bytes());
  std::vector<std::byte> big(17);
  EXPECT_EQ(pub.try_send(big), errc::message_too_large);
  ASSERT_FALSE(pub.try_send(std::vector<std::byte>(16, std::byte{7})));
  std::array<std::byte, 8> small{};
  const auto got = sub.try_receive(small);
  EXPECT_EQ(got.error, errc::message_too_large);
  EXPECT_EQ(got.bytes, 16u);
  std::array<std::byte, 16> enough{};
  const auto again = sub.try_receive(enough);
  ASSERT_FALSE(again.error);
  EXPECT_EQ(again.bytes, 16u);
  EXPECT_EQ(enough[15], std::byte{7});
}

TEST(broadcast, a_prepared_slot_is_written_in_place_and_cut_at_commit) {
  channel_memory memory({.slot_count = 8, .max_message_bytes = 64, .max_subscribers = 2});
  auto pub = broadcast_publisher::attach(memory.bytes());
  auto sub = broadcast_subscriber::attach(memory.bytes());
  auto slot = pub.try_prepare(64);
  ASSERT_TRUE(slot);
  std::memset(slot.bytes.data(), 'x', 64);
  pub.commit(5);
  std::array<std::byte, 64> buffer{};
  const auto got = sub.try_receive(buffer);
  ASSERT_FALSE(got.error);
  EXPECT_EQ(got.bytes, 5u);
  EXPECT_EQ(pub.try_prepare(65).error, errc::message_too_large);
}

// ---- readiness: event loops and the wait set ----------------------------------------

TEST(broadcast, subscribers_join_a_wait_set_and_wake_it_when_a_message_is_published) {
  channel_memory memory({.slot_count = 8, .max_message_bytes = 64, .max_subscribers = 4});
  auto pub = broadcast_publisher::attach(memory.bytes());
  auto first = broadcast_subscriber::attach(memory.bytes());
  auto second = broadcast_subscriber::attach(memory.bytes());
  xipc::wait_set set;
  const auto one = set.add(first);
  const auto two = set.add(second);
  std::vector<xipc::wait_set::key> ready;
  EXPECT_EQ(set.wait(ready, deadline::immediately()), errc::would_block);
  EXPECT_EQ(set.wait(ready, 20ms), errc::timed_out);
  std::thread later([&] {
    std::this_thread::sleep_for(30ms);
    EXPECT_FALSE(pub.try_send(number(7)));
  });
  ASSERT_FALSE(set.wait(ready, 5s)) << "woken by the publish";
  later.join();
  std::vector<xipc::wait_set::key> more;
  if (ready.size() == 1) {
    ASSERT_FALSE(set.wait(more, 1s)) << "the other one is ready too";
  }
  ready.insert(ready.end(), more.begin(), more.end());
  std::sort(ready.begin(), ready.end());
  ready.erase(std::unique(ready.begin(), ready.end()), ready.end());
  EXPECT_EQ(ready, (std::vector<xipc::wait_set::key>{one, two}));
  EXPECT_EQ(next_number(first), 7u);
  EXPECT_EQ(next_number(second), 7u);
  EXPECT_EQ(set.wait(ready, deadline::immediately()), errc::would_block) << "both drained";
  pub.detach();
  ASSERT_FALSE(set.wait(ready, 5s)) << "a publisher that left makes them ready";
  std::array<std::byte, 8> buffer{};
  EXPECT_EQ(first.try_receive(buffer).error, errc::peer_closed);
}

TEST(broadcast, a_waiting_publisher_joins_a_wait_set_and_wakes_when_room_comes) {
  channel_memory memory({.slot_count = 4, .max_message_bytes = 64, .max_subscribers = 2, .policy = slow_subscriber::wait});
  auto pub = broadcast_publisher::attach(memory.bytes());
  auto sub = broadcast_subscriber::attach(memory.bytes());
  for (std::uint64_t i = 0; i < 4; ++i) ASSERT_FALSE(pub.try_send(number(i)));
  EXPECT_FALSE(pub.ready());
  xipc::wait_set set;
  set.add(pub);
  std::vector<xipc::wait_set::key> ready;
  EXPECT_EQ(set.wait(ready, 20ms), errc::timed_out);
  std::thread reader([&] {
    std::this_thread::sleep_for(30ms);
    EXPECT_EQ(next_number(sub), 0u);
  });
  EXPECT_FALSE(set.wait(ready, 5s)) << "woken when a slot came free";
  reader.join();
  EXPECT_FALSE(pub.try_send(number(4)));
}

// A sleeping publisher is woken once the slowest subscriber has freed a
// quarter of the slots (docs/broadcast.md, "Waking the publisher"); a
// subscriber that stops before that still lets it go on, at its next look.
TEST(broadcast, a_sleeping_publisher_goes_on_when_the_slowest_frees_fewer_than_a_quarter) {
  channel_memory memory({.slot_count = 64, .max_message_bytes = 64, .max_subscribers = 2, .policy = slow_subscriber::wait});
  auto pub = broadcast_publisher::attach(memory.bytes(), {.mode = xipc::wait_mode::block});
  auto sub = broadcast_subscriber::attach(memory.bytes());
  for (std::uint64_t i = 0; i < 64; ++i) ASSERT_FALSE(pub.try_send(number(i)));
  std::thread reader([&] {
    std::this_thread::sleep_for(30ms);
    EXPECT_EQ(next_number(sub), 0u);  // one slot, then nothing
  });
  EXPECT_FALSE(pub.send(number(64), 5s)) << "a free slot is taken, though fewer than a quarter came free";
  reader.join();
  EXPECT_EQ(pub.try_send(number(65)), errc::would_block);
  std::thread drainer([&] {
    std::this_thread::sleep_for(30ms);
    for (std::uint64_t i = 1; i < 17; ++i) EXPECT_EQ(next_number(sub), i);
  });
  EXPECT_FALSE(pub.send(number(65), 5s)) << "woken when a quarter came free";
  drainer.join();
  for (std::uint64_t i = 66; i < 81; ++i) ASSERT_FALSE(pub.try_send(number(i))) << i;
  EXPECT_EQ(pub.try_send(number(81)), errc::would_block);
}

// An event loop's publisher hears of the first slot freed: its handle does
// not wait for a quarter, as its sleeps do.
TEST(broadcast, a_waiting_publishers_handle_fires_at_the_first_slot_freed) {
  channel_memory memory({.slot_count = 64, .max_message_bytes = 64, .max_subscribers = 2, .policy = slow_subscriber::wait});
  auto pub = broadcast_publisher::attach(memory.bytes());
  auto sub = broadcast_subscriber::attach(memory.bytes());
  for (std::uint64_t i = 0; i < 64; ++i) ASSERT_FALSE(pub.try_send(number(i)));
  const auto handle = pub.readiness_handle();
  // A sleep for room first, which asks to be woken only at a quarter.
  EXPECT_EQ(pub.send(number(64), 30ms), errc::timed_out);
  ASSERT_TRUE(pub.arm()) << "full: the handle must be waited on";
  std::thread reader([&] {
    std::this_thread::sleep_for(30ms);
    EXPECT_EQ(next_number(sub), 0u);
  });
  EXPECT_TRUE(xipc::test::handle_fires_within(handle, 5000ms)) << "one slot came free";
  reader.join();
  pub.disarm(true);
  EXPECT_FALSE(pub.try_send(number(64)));
}

// A publisher that never publishes, until it is killed. args: name
XIPC_TEST_ROLE(broadcast_silent_publisher) {
  if (args.size() != 1) return 2;
  auto pub = xipc::broadcast::publisher::open_or_create(args[0], {.slot_count = 8, .max_message_bytes = 64});
  std::this_thread::sleep_for(60s);
  return 0;
}

TEST(broadcast, a_killed_publisher_ends_a_wait_sets_wait_and_receive_says_peer_closed) {
  broadcast_names names;
  const auto name = names.make("quiet");
  auto publisher = peer_process::start("broadcast_silent_publisher", {name});
  auto sub = subscribe_when_up(name);
  ASSERT_TRUE(sub.is_open());
  xipc::wait_set set;
  set.add(sub);
  std::vector<xipc::wait_set::key> ready;
  EXPECT_EQ(set.wait(ready, 50ms), errc::timed_out);
  publisher.kill();
  const auto killed = std::chrono::steady_clock::now();
  ASSERT_FALSE(set.wait(ready, 5s));
  EXPECT_LT(std::chrono::steady_clock::now() - killed, 550ms);
  std::array<std::byte, 8> buffer{};
  EXPECT_EQ(sub.try_receive(buffer).error, errc::peer_closed);
}

// ---- what a broken or hostile process leaves in the shared memory ----------------

TEST(broadcast, a_damaged_header_is_refused_at_attach_and_says_what) {
  const broadcast_options options{.slot_count = 8, .max_message_bytes = 64, .max_subscribers = 2};
  {
    channel_memory memory(options);
    memory.layout().header.slot_count = 12;
    std::error_code ec;
    broadcast_subscriber::attach(memory.bytes(), {}, ec);
    EXPECT_EQ(ec, errc::corrupted);
  }
  {
    channel_memory memory(options);
    memory.layout().header.memory_bytes = std::uint64_t{1} << 40;
    try {
      broadcast_publisher::attach(memory.bytes());
      ADD_FAILURE() << "attached to a header that claims more memory than there is";
    } catch (const std::system_error& error) {
      EXPECT_EQ(error.code(), errc::corrupted);
      EXPECT_NE(std::string(error.what()).find("memory holds"), std::string::npos) << error.what();
    }
  }
  {
    channel_memory memory(options);
    memory.layout().header.magic = 0;
    std::error_code ec;
    broadcast_subscriber::attach(memory.bytes(), {}, ec);
    EXPECT_EQ(ec, errc::corrupted);
  }
}

TEST(broadcast, the_header_says_how_sleepers_are_notified_and_a_wrong_value_is_refused) {
  const broadcast_options options{.slot_count = 8, .max_message_bytes = 64, .max_subscribers = 2};
  channel_memory memory(options);
  EXPECT_EQ(memory.layout().header.sleepers, xipc::detail::heavy_fence_works() ? xipc::detail::broadcast_sleepers_fence
                                                                               : xipc::detail::broadcast_sleepers_plain);
  memory.layout().header.sleepers = 7;
  try {
    broadcast_subscriber::attach(memory.bytes());
    ADD_FAILURE() << "attached to a header whose sleepers are neither plain nor fence";
  } catch (const std::system_error& error) {
    EXPECT_EQ(error.code(), errc::corrupted);
    EXPECT_NE(std::string(error.what()).find("sleepers 7"), std::string::npos) << error.what();
  }
}

TEST(broadcast, impossible_stamps_sizes_and_counts_are_corrupted_not_a_crash_or_a_hang) {
  const broadcast_options options{.slot_count = 8, .max_message_bytes = 64, .max_subscribers = 2};
  const auto slots_at = [&](channel_memory& memory) {
    xipc::detail::broadcast_geometry geometry;
    xipc::detail::failure why;
    EXPECT_TRUE(xipc::detail::read_broadcast_geometry(memory.bytes(), geometry, why)) << why.detail;
    return geometry.slots;
  };
  std::array<std::byte, 64> buffer{};
  {
    // A size above the maximum with a good stamp.
    channel_memory memory(options);
    auto pub = broadcast_publisher::attach(memory.bytes());
    auto sub = broadcast_subscriber::attach(memory.bytes());
    ASSERT_FALSE(pub.try_send(number(0)));
    reinterpret_cast<xipc::detail::broadcast_slot_head*>(slots_at(memory))->size = 1u << 30;
    EXPECT_EQ(sub.try_receive(buffer).error, errc::corrupted);
  }
  {
    // Published, but the slot never held it.
    channel_memory memory(options);
    auto sub = broadcast_subscriber::attach(memory.bytes());
    memory.layout().publisher.published = 3;
    EXPECT_EQ(sub.try_receive(buffer).error, errc::corrupted);
  }
  {
    // A stamp from a lap the publisher has not reached.
    channel_memory memory(options);
    auto sub = broadcast_subscriber::attach(memory.bytes());
    memory.layout().publisher.published = 1;
    reinterpret_cast<xipc::detail::broadcast_slot_head*>(slots_at(memory))->stamp = 2 * 800 + 2;
    EXPECT_EQ(sub.try_receive(buffer).error, errc::corrupted);
  }
  {
    // A stamp of another slot's sequence.
    channel_memory memory(options);
    auto sub = broadcast_subscriber::attach(memory.bytes());
    memory.layout().publisher.published = 20;
    reinterpret_cast<xipc::detail::broadcast_slot_head*>(slots_at(memory))->stamp = 2 * 13 + 2;
    EXPECT_EQ(sub.try_receive(buffer).error, errc::corrupted);
  }
  {
    // A subscriber's cursor far past what was published holds the waiting publisher back nowhere.
    channel_memory memory({.slot_count = 8, .max_message_bytes = 64, .max_subscribers = 2, .policy = slow_subscriber::wait});
    auto pub = broadcast_publisher::attach(memory.bytes());
    auto sub = broadcast_subscriber::attach(memory.bytes());
    auto* places = reinterpret_cast<xipc::detail::broadcast_subscriber_line*>(memory.bytes().data() +
                                                                              xipc::detail::broadcast_subscribers_offset);
    for (int i = 0; i < 2; ++i) {
      if (places[i].owner != 0) places[i].cursor = 1u << 20;
    }
    for (std::uint64_t i = 0; i < 20; ++i) ASSERT_FALSE(pub.try_send(number(i)));
  }
}

TEST(broadcast, a_named_region_that_is_no_channel_or_has_other_options_is_refused_clearly) {
  broadcast_names names;
  const auto name = names.make("squat");
  const broadcast_options options{.slot_count = 8, .max_message_bytes = 64, .max_subscribers = 2};
  {
    auto plain = xipc::test::raw_region::create(xipc::name_kind::broadcast, name, xipc::broadcast_memory_bytes(options));
    std::fill_n(plain.data(), 8, std::byte{0x5a});
    std::error_code ec;
    xipc::broadcast::subscriber::open(name, {}, ec);
    EXPECT_EQ(ec, errc::corrupted);
    xipc::broadcast::publisher::open_or_create(name, options, {}, ec);
    EXPECT_EQ(ec, errc::corrupted);
  }
  xipc::broadcast::remove(name);
  // Kept open: on Windows a named region ends with its last handle.
  auto made = xipc::broadcast::publisher::open_or_create(name, options);
  try {
    xipc::broadcast::publisher::open_or_create(name, {.slot_count = 16, .max_message_bytes = 64, .max_subscribers = 2});
    ADD_FAILURE() << "opened with other options";
  } catch (const std::system_error& error) {
    EXPECT_EQ(error.code(), errc::invalid_argument);
    EXPECT_NE(std::string(error.what()).find("8 slots"), std::string::npos) << error.what();
  }
  std::error_code ec;
  xipc::broadcast::publisher::open_or_create(name, {.slot_count = 3}, {}, ec);
  EXPECT_EQ(ec, errc::invalid_argument);
}

// ---- across processes -------------------------------------------------------------

// Subscribes to `name`, tells it is there by waiting to be counted, and
// checks every message until the publisher leaves. args: name count
XIPC_TEST_ROLE(broadcast_checking_subscriber) {
  if (args.size() != 2) return 2;
  auto sub = xipc::broadcast::subscriber::open(args[0]);
  const std::uint64_t count = std::strtoull(args[1], nullptr, 10);
  std::vector<std::byte> buffer(256);
  for (std::uint64_t i = 0;; ++i) {
    const auto got = sub.receive(buffer, 60s);
    if (got.error == errc::peer_closed) return i == count ? 0 : 3;
    if (got.error) return 4;
    if (got.lost != 0) return 5;
    if (!xipc::test::is_sequenced(std::span(buffer).first(got.bytes), i, 256)) return 6;
  }
}

// Subscribes and never reads. args: name
XIPC_TEST_ROLE(broadcast_idle_subscriber) {
  if (args.size() != 1) return 2;
  auto sub = xipc::broadcast::subscriber::open(args[0]);
  std::this_thread::sleep_for(60s);
  return 0;
}

// Publishes numbers 0, 1, ... until killed. args: name
XIPC_TEST_ROLE(broadcast_endless_publisher) {
  if (args.size() != 1) return 2;
  auto pub = xipc::broadcast::publisher::open_or_create(args[0], {.slot_count = 64, .max_message_bytes = 64});
  for (std::uint64_t i = 0;; ++i) {
    if (pub.send(number(i), 60s)) return 3;
    if (i % 64 == 0) std::this_thread::sleep_for(1ms);
  }
}

// 10^6 natively; the asan, tsan and windows test presets ask for fewer
// (XIPC_BROADCAST_STRESS_MESSAGES): they look for races, leaks and Windows
// behaviour, which a tenth of the volume shows as well.
std::uint64_t stress_messages() {
  const char* text = std::getenv("XIPC_BROADCAST_STRESS_MESSAGES");
  return text != nullptr ? std::strtoull(text, nullptr, 10) : 1'000'000;
}

TEST(broadcast, eight_subscriber_processes_each_get_every_checksummed_message_in_order) {
  broadcast_names names;
  const auto name = names.make("fanout");
  const std::uint64_t messages = stress_messages();
  auto pub = xipc::broadcast::publisher::open_or_create(
      name, {.slot_count = 256, .max_message_bytes = 256, .max_subscribers = 8, .policy = slow_subscriber::wait});
  std::vector<peer_process> subs;
  for (int i = 0; i < 8; ++i) subs.push_back(peer_process::start("broadcast_checking_subscriber", {name, std::to_string(messages)}));
  ASSERT_FALSE(pub.wait_for_subscribers(8, 30s));
  std::vector<std::byte> message(256);
  for (std::uint64_t i = 0; i < messages; ++i) {
    message.resize(xipc::test::sequenced_size(i, 256));
    xipc::test::fill_sequenced(message, i);
    ASSERT_FALSE(pub.send(message, 30s)) << i;
  }
  pub = {};
  for (auto& sub : subs) EXPECT_EQ(sub.wait(60s), 0) << "3: a count other than sent; 4: an error; 5: a loss; 6: a bad message";
}

TEST(broadcast, a_killed_subscriber_never_blocks_the_waiting_publisher) {
  broadcast_names names;
  const auto name = names.make("killsub");
  auto pub = xipc::broadcast::publisher::open_or_create(
      name, {.slot_count = 8, .max_message_bytes = 64, .max_subscribers = 4, .policy = slow_subscriber::wait});
  auto idle = peer_process::start("broadcast_idle_subscriber", {name});
  ASSERT_FALSE(pub.wait_for_subscribers(1, 30s));
  for (std::uint64_t i = 0; i < 8; ++i) ASSERT_FALSE(pub.try_send(number(i)));
  EXPECT_EQ(pub.try_send(number(8)), errc::would_block) << "held back by the idle subscriber";
  idle.kill();
  const auto started = std::chrono::steady_clock::now();
  EXPECT_FALSE(pub.send(number(8), 5s)) << "its place is reclaimed";
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
  EXPECT_EQ(pub.end().subscriber_count(), 0u);
}

// Reads until the publisher leaves, checking that numbers come one after
// another (the waiting policy loses none). args: name
XIPC_TEST_ROLE(broadcast_reading_subscriber) {
  if (args.size() != 1) return 2;
  auto sub = xipc::broadcast::subscriber::open(args[0]);
  std::array<std::byte, 64> buffer{};
  std::optional<std::uint64_t> expected;
  for (;;) {
    const auto got = sub.receive(buffer, 60s);
    if (got.error == errc::peer_closed) return 0;
    if (got.error || got.lost != 0) return 3;
    const std::uint64_t n = number_in(std::span(buffer).first(got.bytes));
    if (expected && n != *expected) return 4;
    expected = n + 1;
  }
}

TEST(broadcast, a_storm_of_killed_subscribers_never_stops_the_waiting_publisher_for_long_nor_keeps_a_place) {
  broadcast_names names;
  const auto name = names.make("storm");
  auto pub = xipc::broadcast::publisher::open_or_create(
      name, {.slot_count = 16, .max_message_bytes = 64, .max_subscribers = 4, .policy = slow_subscriber::wait});
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> sent{0};
  std::atomic<int> stalls{0};  // sends that waited a whole second
  std::thread publishing([&] {
    for (std::uint64_t i = 0; !stop; ) {
      const auto error = pub.send(number(i), 1s);
      if (!error) {
        ++i;
        sent = i;
      } else if (error == errc::timed_out) {
        ++stalls;
      } else {
        ADD_FAILURE() << error.message();
        return;
      }
    }
  });
  std::mt19937 random(12345);
  for (int round = 0; round < 12; ++round) {
    std::vector<peer_process> subscribers;
    for (int i = 0; i < 3; ++i) subscribers.push_back(peer_process::start("broadcast_reading_subscriber", {name}));
    std::this_thread::sleep_for(std::chrono::milliseconds(random() % 30));
    for (auto& sub : subscribers) {
      sub.kill();  // at a random moment: joining, reading, or asleep
      std::this_thread::sleep_for(std::chrono::milliseconds(random() % 5));
    }
  }
  const std::uint64_t before = sent;
  const auto started = std::chrono::steady_clock::now();
  while (sent < before + 64 && std::chrono::steady_clock::now() - started < 5s) std::this_thread::sleep_for(1ms);
  stop = true;
  publishing.join();
  EXPECT_GE(sent.load(), before + 64) << "the publisher goes on once the killed are reclaimed";
  EXPECT_EQ(stalls.load(), 0) << "no send waited a second for a dead subscriber";
  // Every place can be taken again: a joiner takes over a dead subscriber's place.
  std::vector<xipc::broadcast::subscriber> joiners;
  for (int i = 0; i < 4; ++i) {
    std::error_code ec;
    joiners.push_back(xipc::broadcast::subscriber::open(name, {}, ec));
    EXPECT_FALSE(ec) << "place " << i << ": " << ec.message();
  }
}

// A process that cannot run the heavy fence, on a channel whose notifiers
// count on sleepers running it: membarrier is refused here by a seccomp
// filter, as a sandbox may. Its sleeps are short instead (docs/broadcast.md),
// so it misses nothing. args: name, "publisher" or "subscriber", count
XIPC_TEST_ROLE(broadcast_end_without_membarrier) {
#if XIPC_OS_LINUX
  if (args.size() != 3) return 2;
  sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, static_cast<std::uint32_t>(offsetof(seccomp_data, nr))),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_membarrier, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  sock_fprog program{static_cast<unsigned short>(std::size(filter)), filter};
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) != 0) {
    return 3;
  }
  if (xipc::detail::heavy_fence_works()) return 4;
  const std::string role = args[1];
  const std::uint64_t count = std::strtoull(args[2], nullptr, 10);
  const xipc::wait_policy blocking{.mode = xipc::wait_mode::block};
  std::minstd_rand random(3);
  if (role == "subscriber") {
    auto sub = xipc::broadcast::subscriber::open(args[0], blocking);
    std::vector<std::byte> buffer(64);
    for (std::uint64_t i = 0; i < count; ++i) {
      const auto got = sub.receive(buffer, 10s);
      if (got.error || got.lost != 0) return 5;
      if (!xipc::test::is_sequenced(std::span(buffer).first(got.bytes), i, 64)) return 6;
      if (random() % 16 == 0) std::this_thread::sleep_for(std::chrono::microseconds(random() % 300));
    }
    return 0;
  }
  auto pub = xipc::broadcast::publisher::open_or_create(
      args[0], {.slot_count = 4, .max_message_bytes = 64, .max_subscribers = 2, .policy = slow_subscriber::wait},
      blocking);
  if (pub.wait_for_subscribers(1, 10s)) return 7;
  std::vector<std::byte> message(64);
  for (std::uint64_t i = 0; i < count; ++i) {
    message.resize(xipc::test::sequenced_size(i, 64));
    xipc::test::fill_sequenced(message, i);
    if (pub.send(message, 10s)) return 8;
  }
  return 0;
#else
  static_cast<void>(args);
  return 9;
#endif
}

TEST(broadcast, an_end_that_cannot_fence_sleeps_briefly_and_misses_nothing) {
#if !XIPC_OS_LINUX
  GTEST_SKIP() << "seccomp and membarrier are Linux's; elsewhere no notifier counts on a fence";
#else
  if (!xipc::detail::heavy_fence_works()) GTEST_SKIP() << "membarrier is not available here: every end notifies with the read-modify-write";
  constexpr std::uint64_t count = 3000;
  const xipc::wait_policy blocking{.mode = xipc::wait_mode::block};
  std::minstd_rand random(9);
  {
    broadcast_names names;
    const auto name = names.make("nofence_sub");
    auto pub = xipc::broadcast::publisher::open_or_create(
        name, {.slot_count = 4, .max_message_bytes = 64, .max_subscribers = 2, .policy = slow_subscriber::wait},
        blocking);
    auto sub = peer_process::start("broadcast_end_without_membarrier", {name, "subscriber", std::to_string(count)});
    ASSERT_FALSE(pub.wait_for_subscribers(1, 10s));
    std::vector<std::byte> message(64);
    for (std::uint64_t i = 0; i < count; ++i) {
      message.resize(xipc::test::sequenced_size(i, 64));
      xipc::test::fill_sequenced(message, i);
      ASSERT_FALSE(pub.send(message, 10s)) << i;
      if (random() % 16 == 0) std::this_thread::sleep_for(std::chrono::microseconds(random() % 300));
    }
    EXPECT_EQ(sub.wait(60s), 0) << "3: no seccomp; 4: membarrier still works; 5: an error or a loss; 6: a bad message";
  }
  {
    broadcast_names names;
    const auto name = names.make("nofence_pub");
    // Made here, so that its header says sleepers fence; the peer takes the publisher's place over.
    static_cast<void>(xipc::broadcast::publisher::open_or_create(
        name, {.slot_count = 4, .max_message_bytes = 64, .max_subscribers = 2, .policy = slow_subscriber::wait}));
    auto sub = xipc::broadcast::subscriber::open(name, blocking);
    auto pub = peer_process::start("broadcast_end_without_membarrier", {name, "publisher", std::to_string(count)});
    std::vector<std::byte> buffer(64);
    for (std::uint64_t i = 0; i < count; ++i) {
      auto got = sub.receive(buffer, 10s);
      // Until the peer attaches, the first publisher's detach says peer_closed.
      for (int wait = 0; i == 0 && got.error == errc::peer_closed && wait < 5000; ++wait) {
        std::this_thread::sleep_for(2ms);
        got = sub.receive(buffer, 10s);
      }
      ASSERT_FALSE(got.error) << got.error.message();
      ASSERT_TRUE(xipc::test::is_sequenced(std::span(buffer).first(got.bytes), i, 64)) << i;
      if (random() % 16 == 0) std::this_thread::sleep_for(std::chrono::microseconds(random() % 300));
    }
    EXPECT_EQ(pub.wait(60s), 0) << "3: no seccomp; 4: membarrier still works; 7: no subscriber; 8: a send failed";
  }
#endif
}

TEST(broadcast, a_killed_publisher_is_peer_closed_after_the_drain_and_is_taken_over) {
  broadcast_names names;
  const auto name = names.make("killpub");
  auto publisher = peer_process::start("broadcast_endless_publisher", {name});
  auto sub = subscribe_when_up(name);
  ASSERT_TRUE(sub.is_open());
  std::array<std::byte, 64> buffer{};
  std::uint64_t previous = 0;
  for (int i = 0; i < 100; ++i) {
    const auto got = sub.receive(buffer, 10s);
    ASSERT_FALSE(got.error) << got.error.message();
    const std::uint64_t n = number_in(std::span(buffer).first(got.bytes));
    if (i > 0) {
      EXPECT_EQ(n, previous + 1 + got.lost) << "in order, losses counted";
    }
    previous = n;
  }
  publisher.kill();
  const auto killed = std::chrono::steady_clock::now();
  xipc::broadcast_received got;
  do {
    got = sub.receive(buffer, 10s);
  } while (!got.error);
  EXPECT_EQ(got.error, errc::peer_closed);
  EXPECT_LT(std::chrono::steady_clock::now() - killed, 2s);
  auto next = xipc::broadcast::publisher::open_or_create(name, {.slot_count = 64, .max_message_bytes = 64});
  ASSERT_FALSE(next.send(number(12345), 1s));
  const auto after = sub.receive(buffer, 5s);
  ASSERT_FALSE(after.error);
  EXPECT_EQ(number_in(std::span(buffer).first(after.bytes)), 12345u);
}

}  // namespace
