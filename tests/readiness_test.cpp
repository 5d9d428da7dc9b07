// Readiness handles (xipc/readiness.hpp) and wait_set: a handle fires only
// while armed, no wake-up is lost however the two sides interleave, and a
// peer's death wakes whoever waits.
#include <xipc/readiness.hpp>

#include <gtest/gtest.h>
#include <xipc/detail/config.hpp>
#if !XIPC_OS_WINDOWS
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#endif
#include <xipc/anonymous_memory.hpp>
#include <xipc/broadcast.hpp>
#include <xipc/mailbox.hpp>
#include <xipc/io.hpp>
#include <xipc/pipe.hpp>
#include <xipc/ring_channel.hpp>
#include <xipc/spsc_ring.hpp>
#include <xipc/wait_set.hpp>

#include <array>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <thread>
#include <vector>

#include "support/handles.hpp"
#include "support/object_names.hpp"
#include "support/peer_process.hpp"
#include "support/sequenced.hpp"

namespace {

using namespace std::chrono_literals;
using xipc::deadline;
using xipc::errc;
using xipc::ready_for;
using xipc::ring_consumer;
using xipc::ring_producer;
using xipc::test::handle_fires_within;
using xipc::test::peer_process;

// Long enough that a handle that has not fired by then never will: the
// other side acts at once.
constexpr auto never = 5s;
// What a handle that should stay quiet is given to prove it does.
constexpr auto quiet = 50ms;

class ring_memory {
 public:
  explicit ring_memory(xipc::ring_options options = {.capacity_bytes = 4096, .max_message_bytes = 0})
      : memory_(xipc::anonymous_memory::create(xipc::ring_memory_bytes(options.capacity_bytes))) {
    const auto ec = xipc::format_ring(bytes(), options);
    EXPECT_FALSE(ec) << ec.message();
  }
  std::span<std::byte> bytes() { return {memory_.data(), memory_.size()}; }

 private:
  xipc::anonymous_memory memory_;
};

std::span<const std::byte> text(std::string_view s) { return std::as_bytes(std::span(s.data(), s.size())); }

TEST(ring_readiness, the_handle_fires_only_while_armed_and_clears_on_disarm) {
  ring_memory memory;
  auto tx = ring_producer::attach(memory.bytes(), {.mode = xipc::wait_mode::spin});
  auto rx = ring_consumer::attach(memory.bytes(), {.mode = xipc::wait_mode::spin});
  const auto handle = rx.readiness_handle();
  ASSERT_NE(handle, xipc::invalid_native_handle);
  EXPECT_EQ(rx.readiness_handle(), handle) << "one handle per end";

  // Not armed: sending rings nothing.
  ASSERT_FALSE(tx.try_send(text("one")));
  EXPECT_TRUE(rx.ready());
  EXPECT_FALSE(handle_fires_within(handle, quiet)) << "rang while nobody was armed";
  EXPECT_FALSE(rx.arm()) << "a message is waiting: arming must say so";
  std::array<std::byte, 64> buffer{};
  ASSERT_FALSE(rx.try_receive(buffer).error);
  EXPECT_FALSE(rx.ready());

  // Armed on an empty ring: quiet until a message comes, then fired.
  ASSERT_TRUE(rx.arm());
  EXPECT_FALSE(handle_fires_within(handle, quiet));
  ASSERT_FALSE(tx.try_send(text("two")));
  EXPECT_TRUE(handle_fires_within(handle, never));
  rx.disarm();
  EXPECT_FALSE(handle_fires_within(handle, quiet)) << "disarm must clear the handle";
  const auto got = rx.try_receive(buffer);
  ASSERT_FALSE(got.error);
  EXPECT_EQ(got.bytes, 3u);

  // Further sends while disarmed stay silent.
  for (int i = 0; i < 100; ++i) ASSERT_FALSE(tx.try_send(text("more")));
  EXPECT_FALSE(handle_fires_within(handle, quiet));
}

TEST(ring_readiness, a_producer_waits_for_room_on_its_handle) {
  ring_memory memory({.capacity_bytes = 256, .max_message_bytes = 32});
  auto tx = ring_producer::attach(memory.bytes());
  auto rx = ring_consumer::attach(memory.bytes());
  const auto handle = tx.readiness_handle();
  std::array<std::byte, 32> message{};
  while (!tx.try_send(message)) {
  }
  EXPECT_FALSE(tx.ready());
  ASSERT_TRUE(tx.arm());
  EXPECT_FALSE(handle_fires_within(handle, quiet));
  std::array<std::byte, 32> buffer{};
  // Each receive fires the armed handle; room for a largest message may take
  // more than one, and arming again says when there is.
  int receives = 0;
  for (;;) {
    ASSERT_FALSE(rx.try_receive(buffer).error);
    ++receives;
    ASSERT_TRUE(handle_fires_within(handle, never)) << "receive " << receives;
    tx.disarm();
    if (!tx.arm()) break;
  }
  EXPECT_TRUE(tx.ready());
  EXPECT_FALSE(tx.try_send(message));
}

TEST(ring_readiness, a_detaching_producer_fires_the_handle_and_receive_says_peer_closed) {
  ring_memory memory;
  auto tx = ring_producer::attach(memory.bytes());
  auto rx = ring_consumer::attach(memory.bytes());
  ASSERT_TRUE(rx.arm());
  tx.detach();
  EXPECT_TRUE(handle_fires_within(rx.readiness_handle(), never));
  rx.disarm();
  EXPECT_TRUE(rx.ready());
  std::array<std::byte, 16> buffer{};
  EXPECT_EQ(rx.try_receive(buffer).error, errc::peer_closed);
  EXPECT_FALSE(rx.arm()) << "nothing to wait for";
}

// The receiver drains, then either spins a while or arms and sleeps on its
// handle, at random; the producer sends with pauses at random. A handle that
// does not fire within `never` while messages keep coming lost a wake-up.
std::uint64_t lost_wake_messages() {
  const char* text = std::getenv("XIPC_READINESS_MESSAGES");
  return text != nullptr ? std::strtoull(text, nullptr, 10) : 1'000'000;
}

// What a side that found nothing to do does next in the tests below: most
// times it spins a random while; one time in `one_in` it arms and waits for
// its handle, counted in `sleeps`. Either way the other side's next change
// lands at a random point of it. False when an armed handle did not fire
// within `never`: a lost wake-up.
template <class End>
bool spin_or_wait_on_handle(End& end, xipc::native_handle_type handle, std::minstd_rand& random, unsigned one_in,
                            std::uint64_t& sleeps) {
  if (random() % one_in != 0) {
    for (auto spin = random() % 2000; spin > 0; --spin) std::atomic_signal_fence(std::memory_order_seq_cst);
    return true;
  }
  if (!end.arm()) return true;
  ++sleeps;
  const bool fired = handle_fires_within(handle, never);
  end.disarm(fired);
  return fired;
}

TEST(ring_readiness, no_wake_up_is_lost_when_arming_at_random_moments) {
  const std::uint64_t count = lost_wake_messages();
  ring_memory memory({.capacity_bytes = 4096, .max_message_bytes = 64});
  auto tx = ring_producer::attach(memory.bytes(), {.mode = xipc::wait_mode::spin});
  auto rx = ring_consumer::attach(memory.bytes(), {.mode = xipc::wait_mode::spin});
  const auto handle = rx.readiness_handle();
  std::thread producer([&] {
    std::minstd_rand random(7);
    std::array<std::byte, 64> message{};
    for (std::uint64_t sequence = 0; sequence < count; ++sequence) {
      const std::span<std::byte> bytes{message.data(), xipc::test::sequenced_size(sequence, message.size())};
      xipc::test::fill_sequenced(bytes, sequence);
      while (tx.try_send(bytes)) std::this_thread::yield();
      if (random() % 512 == 0) std::this_thread::sleep_for(std::chrono::microseconds(random() % 200));
    }
  });
  std::minstd_rand random(11);
  std::array<std::byte, 64> buffer{};
  std::uint64_t sleeps = 0;
  for (std::uint64_t sequence = 0; sequence < count;) {
    const auto got = rx.try_receive(buffer);
    if (!got.error) {
      ASSERT_TRUE(xipc::test::is_sequenced({buffer.data(), got.bytes}, sequence, buffer.size())) << sequence;
      ++sequence;
      continue;
    }
    ASSERT_EQ(got.error, errc::would_block);
    ASSERT_TRUE(spin_or_wait_on_handle(rx, handle, random, 64, sleeps))
        << "a wake-up was lost before message " << sequence;
  }
  producer.join();
  RecordProperty("sleeps", std::to_string(sleeps));
  EXPECT_GT(sleeps, 0u);
}

// ---- broadcast ---------------------------------------------------------------

// A broadcast's notifiers look at the sleepers with a plain load where the
// sleepers fence (docs/broadcast.md, "Notifying without a fence"), on both
// events: the publisher's per message, and a subscriber's per step that
// reaches what a waiting publisher wants. The two tests below arm at random
// moments against a side that runs flat out, as the ring's test above.
class broadcast_memory {
 public:
  explicit broadcast_memory(const xipc::broadcast_options& options)
      : memory_(xipc::anonymous_memory::create(xipc::broadcast_memory_bytes(options))) {
    const auto ec = xipc::format_broadcast(bytes(), options);
    EXPECT_FALSE(ec) << ec.message();
  }
  std::span<std::byte> bytes() { return {memory_.data(), memory_.size()}; }

 private:
  xipc::anonymous_memory memory_;
};

// Every message here may be the last for a while: the publisher sends the
// next only once the subscriber took this one, after a random pause that
// lands the publish at a random point of the subscriber's arming. A lost
// wake-up then shows as a handle that does not fire within `never`, instead
// of being covered by the next message's notify.
TEST(broadcast_readiness, no_wake_up_of_a_subscriber_is_lost_when_it_arms_at_random_moments) {
  const std::uint64_t count = lost_wake_messages() / 50;
  broadcast_memory memory({.slot_count = 64, .max_message_bytes = 64, .max_subscribers = 2,
                           .policy = xipc::slow_subscriber::wait});
  auto pub = xipc::broadcast_publisher::attach(memory.bytes(), {.mode = xipc::wait_mode::spin});
  auto sub = xipc::broadcast_subscriber::attach(memory.bytes(), {.mode = xipc::wait_mode::spin});
  const auto handle = sub.readiness_handle();
  std::atomic<std::uint64_t> taken{0};
  std::atomic<bool> stop{false};
  std::thread publisher([&] {
    std::minstd_rand random(7);
    std::array<std::byte, 64> message{};
    for (std::uint64_t sequence = 0; sequence < count; ++sequence) {
      while (taken.load(std::memory_order_acquire) < sequence) {
        if (stop.load(std::memory_order_relaxed)) return;
      }
      for (auto spin = random() % 400; spin > 0; --spin) std::atomic_signal_fence(std::memory_order_seq_cst);
      const std::span<std::byte> bytes{message.data(), xipc::test::sequenced_size(sequence, message.size())};
      xipc::test::fill_sequenced(bytes, sequence);
      while (pub.try_send(bytes)) std::this_thread::yield();
    }
  });
  std::array<std::byte, 64> buffer{};
  std::uint64_t sleeps = 0;
  bool lost = false;
  for (std::uint64_t sequence = 0; sequence < count && !lost;) {
    const auto got = sub.try_receive(buffer);
    if (!got.error) {
      EXPECT_EQ(got.lost, 0u);
      EXPECT_TRUE(xipc::test::is_sequenced({buffer.data(), got.bytes}, sequence, buffer.size())) << sequence;
      taken.store(++sequence, std::memory_order_release);
      continue;
    }
    ASSERT_EQ(got.error, errc::would_block);
    if (!sub.arm()) continue;
    ++sleeps;
    const bool fired = handle_fires_within(handle, never);
    sub.disarm(fired);
    lost = !fired;
    EXPECT_TRUE(fired) << "a wake-up was lost before message " << sequence;
  }
  stop = true;
  publisher.join();
  RecordProperty("sleeps", std::to_string(sleeps));
  EXPECT_GT(sleeps, 0u);
}

TEST(broadcast_readiness, no_wake_up_of_a_waiting_publisher_is_lost_when_it_arms_at_random_moments) {
  const std::uint64_t count = lost_wake_messages() / 20;
  broadcast_memory memory({.slot_count = 8, .max_message_bytes = 64, .max_subscribers = 2,
                           .policy = xipc::slow_subscriber::wait});
  auto pub = xipc::broadcast_publisher::attach(memory.bytes(), {.mode = xipc::wait_mode::spin});
  auto sub = xipc::broadcast_subscriber::attach(memory.bytes(), {.mode = xipc::wait_mode::spin});
  const auto handle = pub.readiness_handle();
  std::atomic<bool> failed{false};
  std::thread subscriber([&] {
    std::minstd_rand random(5);
    std::array<std::byte, 64> buffer{};
    for (std::uint64_t sequence = 0; sequence < count;) {
      const auto got = sub.receive(buffer, never);
      if (got.error || !xipc::test::is_sequenced({buffer.data(), got.bytes}, sequence, buffer.size())) {
        failed = true;
        return;
      }
      ++sequence;
      // A pause every 64 messages or so fills the channel: the publisher then
      // waits. Spun, not slept: a sleep this short may not pause at all (Wine).
      if (random() % 64 == 0) {
        const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(random() % 200);
        while (std::chrono::steady_clock::now() < until) std::atomic_signal_fence(std::memory_order_seq_cst);
      }
    }
  });
  std::minstd_rand random(13);
  std::array<std::byte, 64> message{};
  std::uint64_t sleeps = 0;
  for (std::uint64_t sequence = 0; sequence < count && !failed;) {
    const std::span<std::byte> bytes{message.data(), xipc::test::sequenced_size(sequence, message.size())};
    xipc::test::fill_sequenced(bytes, sequence);
    const auto error = pub.try_send(bytes);
    if (!error) {
      ++sequence;
      continue;
    }
    ASSERT_EQ(error, errc::would_block);
    ASSERT_TRUE(spin_or_wait_on_handle(pub, handle, random, 8, sleeps))
        << "a wake-up was lost before message " << sequence;
  }
  subscriber.join();
  EXPECT_FALSE(failed) << "the subscriber missed or misread a message";
  RecordProperty("sleeps", std::to_string(sleeps));
  EXPECT_GT(sleeps, 0u);
}

// ---- mailbox -----------------------------------------------------------------

class mailbox_readiness : public ::testing::Test {
 protected:
  xipc::test::object_names names{[](const std::string& name) {
    std::error_code ignored;
    xipc::mailbox::remove(name, ignored);
  }};
};

TEST_F(mailbox_readiness, receivers_and_senders_have_a_handle_each) {
  auto box = xipc::mailbox::create(names.make("mbr"), {.capacity = 2, .max_message_bytes = 64});
  auto other = xipc::mailbox::open(box.name());
  const auto receive = box.readiness_handle(ready_for::receive);
  const auto send = other.readiness_handle(ready_for::send);
  EXPECT_NE(receive, send);
  EXPECT_FALSE(box.ready(ready_for::receive));
  ASSERT_TRUE(box.arm(ready_for::receive));
  EXPECT_FALSE(handle_fires_within(receive, quiet));
  ASSERT_FALSE(other.try_send(text("a")));
  EXPECT_TRUE(handle_fires_within(receive, never));
  box.disarm(ready_for::receive);

  ASSERT_FALSE(other.try_send(text("b")));
  EXPECT_FALSE(other.ready(ready_for::send)) << "full at capacity 2";
  ASSERT_TRUE(other.arm(ready_for::send));
  std::array<std::byte, 64> buffer{};
  ASSERT_FALSE(box.try_receive(buffer).error);
  EXPECT_TRUE(handle_fires_within(send, never));
  other.disarm(ready_for::send);
  EXPECT_TRUE(other.ready(ready_for::send));
}

TEST_F(mailbox_readiness, a_mailbox_has_three_receiving_slots_and_a_fourth_is_busy) {
  auto box = xipc::mailbox::create(names.make("mbs"), {.capacity = 2, .max_message_bytes = 64});
  std::vector<xipc::mailbox> handles;
  for (int i = 0; i < 3; ++i) {
    handles.push_back(xipc::mailbox::open(box.name()));
    std::error_code ec;
    handles.back().readiness_handle(ready_for::receive, ec);
    ASSERT_FALSE(ec) << i << ": " << ec.message();
  }
  std::error_code ec;
  box.readiness_handle(ready_for::receive, ec);
  EXPECT_EQ(ec, errc::busy);
  handles.pop_back();  // its slot is free again
  box.readiness_handle(ready_for::receive, ec);
  EXPECT_FALSE(ec) << ec.message();
}

// ---- wait_set ----------------------------------------------------------------

TEST(wait_set, says_which_of_sixteen_rings_is_ready) {
  std::vector<std::unique_ptr<ring_memory>> memories;
  std::vector<ring_producer> producers;
  std::vector<ring_consumer> consumers;
  xipc::wait_set set;
  std::vector<xipc::wait_set::key> keys;
  for (int i = 0; i < 16; ++i) {
    memories.push_back(std::make_unique<ring_memory>());
    producers.push_back(ring_producer::attach(memories.back()->bytes()));
    consumers.push_back(ring_consumer::attach(memories.back()->bytes()));
  }
  for (auto& consumer : consumers) keys.push_back(set.add(consumer));
  std::vector<xipc::wait_set::key> ready;
  EXPECT_EQ(set.wait(ready, deadline::immediately()), errc::would_block);
  EXPECT_EQ(set.wait(ready, deadline::after(30ms)), errc::timed_out);
  EXPECT_TRUE(ready.empty());

  std::thread sender([&] {
    std::this_thread::sleep_for(20ms);  // the set is asleep by then
    ASSERT_FALSE(producers[11].try_send(text("eleven")));
  });
  ASSERT_FALSE(set.wait(ready, deadline::after(never)));
  sender.join();
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_EQ(ready[0], keys[11]);
  std::array<std::byte, 16> buffer{};
  EXPECT_FALSE(consumers[11].try_receive(buffer).error);

  EXPECT_TRUE(set.remove(keys[11]));
  EXPECT_FALSE(set.remove(keys[11]));
  ASSERT_FALSE(producers[11].try_send(text("gone")));
  EXPECT_EQ(set.wait(ready, deadline::after(30ms)), errc::timed_out) << "a removed member is not waited on";
}

TEST(wait_set, an_empty_set_is_an_error) {
  xipc::wait_set set;
  std::vector<xipc::wait_set::key> ready;
  EXPECT_EQ(set.wait(ready, deadline::after(1ms)), errc::invalid_argument);
}

#if !defined(_WIN32)
TEST(wait_set, waits_on_rings_mailboxes_and_descriptors_together) {
  xipc::test::object_names names{[](const std::string& name) {
    std::error_code ignored;
    xipc::mailbox::remove(name, ignored);
  }};
  ring_memory memory;
  auto tx = ring_producer::attach(memory.bytes());
  auto rx = ring_consumer::attach(memory.bytes());
  auto box = xipc::mailbox::create(names.make("wsm"), {.capacity = 4, .max_message_bytes = 64});
  auto [read_end, write_end] = xipc::make_pipe();
  xipc::wait_set set({.mode = xipc::wait_mode::block});
  const auto ring_key = set.add(rx);
  const auto box_key = set.add(box, ready_for::receive);
  const auto pipe_key = set.add_readable(read_end.native_handle());
  std::vector<xipc::wait_set::key> ready;

  std::thread writer([&, &write_end = write_end] {
    std::this_thread::sleep_for(20ms);
    const std::byte byte{1};
    ASSERT_FALSE(xipc::write_all(write_end, std::span(&byte, 1), deadline::after(1s)).error);
  });
  ASSERT_FALSE(set.wait(ready, deadline::after(never)));
  writer.join();
  EXPECT_EQ(ready, std::vector<xipc::wait_set::key>{pipe_key});

  std::thread mailer([&] {
    std::this_thread::sleep_for(20ms);
    ASSERT_FALSE(xipc::mailbox::open(box.name()).try_send(text("mail")));
  });
  std::byte byte{};
  ASSERT_FALSE(xipc::read_exact(read_end, std::span(&byte, 1), deadline::after(1s)).error);
  ASSERT_FALSE(set.wait(ready, deadline::after(never)));
  mailer.join();
  EXPECT_EQ(ready, std::vector<xipc::wait_set::key>{box_key});

  std::array<std::byte, 64> buffer{};
  ASSERT_FALSE(box.try_receive(buffer).error);
  ASSERT_FALSE(tx.try_send(text("ring")));
  ASSERT_FALSE(set.wait(ready, deadline::after(never)));
  EXPECT_EQ(ready, std::vector<xipc::wait_set::key>{ring_key});
}
#endif

// ---- a peer's death ------------------------------------------------------------

class peer_death : public ::testing::Test {
 protected:
  xipc::test::object_names names{[](const std::string& name) {
    std::error_code ignored;
    xipc::ring_channel::remove(name, ignored);
  }};
};

// Creates the channel, then waits to be killed.
XIPC_TEST_ROLE(readiness_sender_hangs) {
  if (args.size() != 1) return 2;
  auto tx = xipc::ring_channel::sender::open_or_create(args[0], {.capacity_bytes = 4096});
  for (;;) std::this_thread::sleep_for(std::chrono::hours(1));
}

xipc::ring_channel::receiver open_when_created(const std::string& name) {
  const auto give_up = std::chrono::steady_clock::now() + 10s;
  for (;;) {
    std::error_code ec;
    auto rx = xipc::ring_channel::receiver::open(name, {}, ec);
    if (!ec || ec != errc::not_found || std::chrono::steady_clock::now() > give_up) {
      EXPECT_FALSE(ec) << ec.message();
      return rx;
    }
    std::this_thread::sleep_for(1ms);
  }
}

class peer_death_in_wait_set : public peer_death, public ::testing::WithParamInterface<xipc::wait_mode> {};

TEST_P(peer_death_in_wait_set, a_killed_sender_ends_the_wait_and_receive_says_peer_closed) {
  const auto name = names.make("pdw");
  auto sender = peer_process::start("readiness_sender_hangs", {name});
  auto rx = open_when_created(name);
  xipc::wait_set set({.mode = GetParam()});
  const auto key = set.add(rx);
  std::vector<xipc::wait_set::key> ready;
  std::thread killer([&] {
    std::this_thread::sleep_for(50ms);
    sender.kill();
  });
  const auto started = std::chrono::steady_clock::now();
  ASSERT_FALSE(set.wait(ready, deadline::after(never)));
  const auto waited = std::chrono::steady_clock::now() - started;
  killer.join();
  EXPECT_EQ(ready, std::vector<xipc::wait_set::key>{key});
  EXPECT_LT(waited, 50ms + 500ms) << "the death was noticed late";
  std::array<std::byte, 16> buffer{};
  EXPECT_EQ(rx.receive(buffer, deadline::after(1s)).error, errc::peer_closed);
}

INSTANTIATE_TEST_SUITE_P(modes, peer_death_in_wait_set,
                         ::testing::Values(xipc::wait_mode::spin, xipc::wait_mode::adaptive, xipc::wait_mode::block),
                         [](const auto& mode) {
                           return mode.param == xipc::wait_mode::spin       ? std::string("spin")
                                  : mode.param == xipc::wait_mode::adaptive ? std::string("adaptive")
                                                                            : std::string("block");
                         });

// Creates an owned mailbox, fills it, then waits to be killed.
XIPC_TEST_ROLE(readiness_mailbox_owner_hangs) {
  if (args.size() != 1) return 2;
  auto box = xipc::mailbox::create(args[0], {.capacity = 1, .max_message_bytes = 16,
                                             .lifetime = xipc::mailbox_lifetime::owned});
  if (box.try_send(text("full"))) return 1;
  for (;;) std::this_thread::sleep_for(std::chrono::hours(1));
}

TEST_F(mailbox_readiness, a_sender_waiting_for_room_learns_that_the_owner_died) {
  const auto name = names.make("mbo");
  auto owner = peer_process::start("readiness_mailbox_owner_hangs", {name});
  xipc::mailbox box;
  for (int attempt = 0; attempt < 1000 && !box.is_open(); ++attempt) {
    std::error_code ec;
    box = xipc::mailbox::open(name, ec);
    if (!box.is_open() || box.size() == 0) {
      box = {};
      std::this_thread::sleep_for(5ms);
    }
  }
  ASSERT_TRUE(box.is_open());
  xipc::wait_set set;
  const auto key = set.add(box, ready_for::send);
  std::vector<xipc::wait_set::key> ready;
  EXPECT_EQ(set.wait(ready, deadline::after(quiet)), errc::timed_out) << "full: no room yet";
  owner.kill();
  ASSERT_FALSE(set.wait(ready, deadline::after(never)));
  EXPECT_EQ(ready, std::vector<xipc::wait_set::key>{key});
  EXPECT_EQ(box.try_send(text("late")), errc::peer_closed);
}

// An event loop has no timer of xipc's: arming again after the liveness
// interval looks at the peer, and says there is nothing to wait for.
TEST_F(peer_death, arming_after_a_sender_was_killed_says_do_not_wait) {
  const auto name = names.make("pdh");
  auto sender = peer_process::start("readiness_sender_hangs", {name});
  auto rx = open_when_created(name);
  ASSERT_TRUE(rx.arm());
  EXPECT_FALSE(handle_fires_within(rx.readiness_handle(), quiet));
  sender.kill();
  ASSERT_TRUE(sender.wait().has_value());
  rx.disarm(false);
  std::this_thread::sleep_for(30ms);  // past the liveness interval
  EXPECT_FALSE(rx.arm()) << "the peer is gone: nothing to wait for";
  std::array<std::byte, 16> buffer{};
  EXPECT_EQ(rx.try_receive(buffer).error, errc::peer_closed);
}

#if !XIPC_OS_WINDOWS && !XIPC_HAS_ABSTRACT_SOCKETS
// Where doorbells are socket files (posix/doorbell_socket_file.cpp: macOS,
// and the generic POSIX build), a process killed with one open leaves its
// file; the next process to open a doorbell removes it, and only it.

// Opens one readiness handle, so one doorbell, and exits cleanly.
XIPC_TEST_ROLE(readiness_open_one_doorbell) {
  if (args.size() != 1) return 2;
  auto tx = xipc::ring_channel::sender::open_or_create(args[0], {.capacity_bytes = 4096});
  return tx.readiness_handle() != xipc::invalid_native_handle ? 0 : 1;
}

TEST(doorbell_files, a_dead_doorbells_file_is_removed_by_the_next_process_and_a_live_one_stays) {
  const std::string directory = "/tmp/xipc-" + std::to_string(::getuid()) + ".bells";
  // A live doorbell of this process's, so that the directory exists and one file in it is held.
  const std::string live = xipc::test::unique_name("live");
  auto tx = xipc::ring_channel::sender::open_or_create(live, {.capacity_bytes = 4096});
  auto held = xipc::ring_channel::receiver::open(live);
  ASSERT_NE(held.readiness_handle(), xipc::invalid_native_handle);
  // A dead one: bound, then closed without its file removed, as SIGKILL leaves it.
  const std::string dead = directory + "/ffffffff";
  {
    const int socket = ::socket(AF_UNIX, SOCK_DGRAM, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    dead.copy(address.sun_path, sizeof address.sun_path - 1);
    ASSERT_EQ(::bind(socket, reinterpret_cast<const sockaddr*>(&address), sizeof address), 0);
    ::close(socket);
  }
  ASSERT_TRUE(std::filesystem::exists(dead));
  const std::string name = xipc::test::unique_name("sweep");
  auto child = peer_process::start("readiness_open_one_doorbell", {name});
  EXPECT_EQ(child.wait(), 0);
  EXPECT_FALSE(std::filesystem::exists(dead)) << "nobody was bound to it: removed";
  // The live doorbell's file stayed: a message still rings it.
  ASSERT_TRUE(held.arm());
  ASSERT_FALSE(tx.send(std::as_bytes(std::span("ring", 4)), 1s));
  EXPECT_TRUE(handle_fires_within(held.readiness_handle(), 2s));
  std::error_code ignored;
  xipc::ring_channel::remove(name, ignored);
  xipc::ring_channel::remove(live, ignored);
  if (std::filesystem::exists(dead)) std::filesystem::remove(dead);
}
#endif

}  // namespace
