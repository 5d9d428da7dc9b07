// The ring's steady state allocates nothing: this binary's operator new
// counts (support/counting_new.cpp), and every send and receive form runs
// between two readings of the count.
#include <xipc/ring_channel.hpp>

#include <gtest/gtest.h>
#include <xipc/anonymous_memory.hpp>

#include <array>
#include <vector>

#include "support/counting_new.hpp"
#include "support/object_names.hpp"

namespace {

using namespace std::chrono_literals;

// Sends and receives `rounds` messages through every form; returns the allocations made meanwhile.
template <class Sender, class Receiver>
std::size_t allocations_during_traffic(Sender& tx, Receiver& rx, int rounds) {
  std::array<std::byte, 64> message{};
  std::array<std::byte, 64> buffer{};
  bool ok = true;
  const std::size_t before = xipc::test::allocations_so_far();
  for (int i = 0; i < rounds; ++i) {
    ok &= !tx.try_send(message);
    ok &= !rx.try_receive(buffer).error;
    ok &= !tx.send(message, 1s);
    ok &= !rx.receive(buffer, 1s).error;
    ok &= !tx.send(message, xipc::deadline::forever());
    ok &= !rx.receive(buffer, xipc::deadline::forever()).error;
  }
  const std::size_t after = xipc::test::allocations_so_far();
  EXPECT_TRUE(ok);
  return after - before;
}

TEST(ring_allocations, none_per_message_through_the_ring_ends) {
  auto memory = xipc::anonymous_memory::create(xipc::ring_memory_bytes(4096));
  const std::span<std::byte> bytes{memory.data(), memory.size()};
  ASSERT_FALSE(xipc::format_ring(bytes, {.capacity_bytes = 4096}));
  auto tx = xipc::ring_producer::attach(bytes);
  auto rx = xipc::ring_consumer::attach(bytes);
  EXPECT_EQ(allocations_during_traffic(tx, rx, 10000), 0u);

  std::array<std::byte, 64> message{};
  const std::array<std::span<const std::byte>, 4> batch{message, message, message, message};
  const std::size_t before = xipc::test::allocations_so_far();
  for (int i = 0; i < 10000; ++i) {
    auto slot = tx.try_prepare(64);
    if (slot) tx.commit();
    auto seen = rx.try_peek();
    if (seen) rx.release();
    const std::size_t sent = tx.try_send_batch(batch);
    for (std::size_t j = 0; j < sent; ++j) {
      if (rx.try_peek()) rx.release();
    }
  }
  EXPECT_EQ(xipc::test::allocations_so_far() - before, 0u);
}

TEST(ring_allocations, none_per_message_through_a_ring_channel) {
  const auto name = xipc::test::unique_name("allocations");
  auto tx = xipc::ring_channel::sender::open_or_create(name, {.capacity_bytes = 4096});
  auto rx = xipc::ring_channel::receiver::open(name);
  EXPECT_EQ(allocations_during_traffic(tx, rx, 10000), 0u);
  xipc::ring_channel::remove(name);
}

TEST(ring_allocations, the_counter_sees_allocations) {
  const std::size_t before = xipc::test::allocations_so_far();
  auto* p = new std::vector<int>(100);
  delete p;
  EXPECT_GE(xipc::test::allocations_so_far() - before, 2u) << "else the tests above prove nothing";
}

}  // namespace
