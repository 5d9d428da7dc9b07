#include <xipc/spsc_ring.hpp>

#include <gtest/gtest.h>
#include <xipc/anonymous_memory.hpp>

#include <array>
#include <atomic>
#include <thread>
#include <vector>

#include "backend/wait_wake.hpp"
#include "support/bytes.hpp"
#include "support/sequenced.hpp"

namespace {

using namespace std::chrono_literals;
using xipc::deadline;
using xipc::errc;
using xipc::ring_consumer;
using xipc::ring_producer;
using xipc::wait_mode;
using xipc::wait_policy;

// Ring memory in this process: page-aligned, as shared memory would be.
class ring_memory {
 public:
  explicit ring_memory(xipc::ring_options options = {.capacity_bytes = 1024, .max_message_bytes = 0})
      : memory_(xipc::anonymous_memory::create(xipc::ring_memory_bytes(options.capacity_bytes))) {
    const auto ec = xipc::format_ring(bytes(), options);
    EXPECT_FALSE(ec) << ec.message();
  }
  std::span<std::byte> bytes() { return {memory_.data(), memory_.size()}; }
  xipc::detail::ring_layout& layout() { return *reinterpret_cast<xipc::detail::ring_layout*>(memory_.data()); }
  std::byte* data() { return memory_.data() + xipc::detail::ring_data_offset; }

 private:
  xipc::anonymous_memory memory_;
};

std::vector<std::byte> sequenced(std::uint64_t sequence, std::size_t max_bytes) {
  std::vector<std::byte> message(xipc::test::sequenced_size(sequence, max_bytes));
  xipc::test::fill_sequenced(message, sequence);
  return message;
}

TEST(format_ring, rejects_impossible_options) {
  auto memory = xipc::anonymous_memory::create(xipc::ring_memory_bytes(4096));
  const std::span<std::byte> bytes{memory.data(), memory.size()};
  EXPECT_EQ(xipc::format_ring(bytes, {.capacity_bytes = 1000}), errc::invalid_argument) << "not a power of two";
  EXPECT_EQ(xipc::format_ring(bytes, {.capacity_bytes = 128}), errc::invalid_argument) << "below 256";
  EXPECT_EQ(xipc::format_ring(bytes, {.capacity_bytes = 8192}), errc::invalid_argument) << "larger than the memory";
  EXPECT_EQ(xipc::format_ring(bytes, {.capacity_bytes = 4096, .max_message_bytes = 2041}), errc::invalid_argument);
  EXPECT_FALSE(xipc::format_ring(bytes, {.capacity_bytes = 4096, .max_message_bytes = 2040}));
  EXPECT_EQ(xipc::format_ring(bytes.subspan(8), {.capacity_bytes = 1024}), errc::invalid_argument) << "misaligned";
}

TEST(spsc_ring, messages_of_every_size_arrive_whole_and_in_order) {
  ring_memory memory({.capacity_bytes = 1024, .max_message_bytes = 200});
  auto tx = ring_producer::attach(memory.bytes());
  auto rx = ring_consumer::attach(memory.bytes());
  EXPECT_EQ(tx.capacity(), 1024u);
  EXPECT_EQ(tx.max_message_bytes(), 200u);
  std::array<std::byte, 200> buffer{};
  // 5,000 messages through a 1 KiB ring wrap it hundreds of times at every offset.
  for (std::uint64_t sequence = 0; sequence < 5000; ++sequence) {
    const auto message = sequenced(sequence, 200);
    ASSERT_FALSE(tx.try_send(message)) << sequence;
    const auto got = rx.try_receive(buffer);
    ASSERT_FALSE(got.error) << sequence << ": " << got.error.message();
    ASSERT_TRUE(xipc::test::is_sequenced({buffer.data(), got.bytes}, sequence, 200)) << sequence;
  }
}

TEST(spsc_ring, an_empty_ring_would_block) {
  ring_memory memory;
  auto tx = ring_producer::attach(memory.bytes());
  auto rx = ring_consumer::attach(memory.bytes());
  std::array<std::byte, 8> buffer{};
  EXPECT_EQ(rx.try_receive(buffer).error, errc::would_block);
  EXPECT_EQ(rx.try_peek().error, errc::would_block);
  EXPECT_EQ(rx.receive(buffer, deadline::immediately()).error, errc::would_block);
}

TEST(spsc_ring, a_full_ring_would_block_until_a_message_is_released) {
  ring_memory memory({.capacity_bytes = 256, .max_message_bytes = 24});
  auto tx = ring_producer::attach(memory.bytes());
  auto rx = ring_consumer::attach(memory.bytes());
  const std::array<std::byte, 24> message{};
  // A 24-byte message takes a 32-byte record; 8 bytes stay free for the next header word: 7 fit.
  for (int i = 0; i < 7; ++i) ASSERT_FALSE(tx.try_send(message)) << i;
  EXPECT_EQ(tx.try_send(message), errc::would_block);
  EXPECT_EQ(tx.send(message, 5ms), errc::timed_out);
  std::array<std::byte, 24> buffer{};
  ASSERT_FALSE(rx.try_receive(buffer).error);
  EXPECT_FALSE(tx.try_send(message));
  EXPECT_EQ(tx.try_send(message), errc::would_block);
}

std::uint64_t header_word(ring_memory& memory, std::size_t offset) {
  std::uint64_t word = 0;
  std::memcpy(&word, memory.data() + offset, sizeof word);
  return word;
}

TEST(spsc_ring, a_message_exactly_filling_the_end_needs_no_padding) {
  ring_memory memory({.capacity_bytes = 256, .max_message_bytes = 120});
  auto tx = ring_producer::attach(memory.bytes());
  auto rx = ring_consumer::attach(memory.bytes());
  std::array<std::byte, 120> buffer{};
  // 128-byte records: every second one ends exactly at the end of the ring.
  for (std::uint64_t sequence = 0; sequence < 6; ++sequence) {
    std::array<std::byte, 120> message{};
    xipc::test::fill_pattern(message, sequence);
    ASSERT_FALSE(tx.try_send(message));
    const auto got = rx.try_receive(buffer);
    ASSERT_FALSE(got.error);
    ASSERT_EQ(got.bytes, 120u);
    ASSERT_EQ(xipc::test::first_mismatch(buffer, sequence), 120u);
  }
  EXPECT_EQ(memory.layout().producer.position.load(), 6u * 128) << "no padding was needed";
  EXPECT_EQ(memory.layout().consumer.position.load(), 6u * 128);
}

TEST(spsc_ring, a_message_that_would_wrap_is_preceded_by_padding) {
  ring_memory memory({.capacity_bytes = 256, .max_message_bytes = 120});
  auto tx = ring_producer::attach(memory.bytes());
  auto rx = ring_consumer::attach(memory.bytes());
  std::array<std::byte, 120> buffer{};
  const std::array<std::byte, 100> first{};
  ASSERT_FALSE(tx.try_send(first));  // record of 112 bytes
  ASSERT_FALSE(rx.try_receive(buffer).error);
  std::array<std::byte, 120> second{};
  xipc::test::fill_pattern(second, 9);
  ASSERT_FALSE(tx.try_send(second));  // a 128-byte record at offset 112: ends at 240
  auto got = rx.try_receive(buffer);
  ASSERT_FALSE(got.error);
  ASSERT_FALSE(tx.try_send(second));  // 16 bytes left at the end: padding there, the record at offset 0
  const std::uint64_t padding = header_word(memory, 240);
  EXPECT_TRUE(padding & xipc::detail::ring_record_padding);
  EXPECT_EQ(xipc::detail::ring_record_size(padding), 8u);
  EXPECT_EQ(xipc::detail::ring_record_word_tag(padding), xipc::detail::ring_record_tag(240));
  buffer.fill(std::byte{0});
  got = rx.try_receive(buffer);
  ASSERT_FALSE(got.error);
  EXPECT_EQ(got.bytes, 120u);
  EXPECT_EQ(xipc::test::first_mismatch(buffer, 9), 120u);
  EXPECT_EQ(memory.layout().consumer.position.load() % 256, 128u) << "the consumer skipped the padding";
}

TEST(spsc_ring, the_header_after_a_record_is_cleared_before_it_is_published) {
  ring_memory memory({.capacity_bytes = 256, .max_message_bytes = 120});
  // Leave a committed-looking word where the next record's header will go.
  const std::uint64_t stale = xipc::detail::ring_record_word(24, 4, false);
  std::memcpy(memory.data() + 24, &stale, sizeof stale);
  auto tx = ring_producer::attach(memory.bytes());
  auto rx = ring_consumer::attach(memory.bytes());
  ASSERT_FALSE(tx.try_send(std::vector<std::byte>(10)));  // record 0..24
  EXPECT_EQ(header_word(memory, 24), 0u);
  std::array<std::byte, 120> buffer{};
  EXPECT_EQ(rx.try_receive(buffer).bytes, 10u);
  EXPECT_EQ(rx.try_receive(buffer).error, errc::would_block) << "the stale word was never seen";
}

TEST(spsc_ring, zero_length_and_maximum_messages) {
  ring_memory memory({.capacity_bytes = 256, .max_message_bytes = 120});
  auto tx = ring_producer::attach(memory.bytes());
  auto rx = ring_consumer::attach(memory.bytes());
  ASSERT_FALSE(tx.try_send({}));
  std::array<std::byte, 120> max{};
  ASSERT_FALSE(tx.try_send(max));
  std::array<std::byte, 120> buffer{};
  auto got = rx.try_receive(buffer);
  EXPECT_FALSE(got.error);
  EXPECT_EQ(got.bytes, 0u);
  got = rx.try_receive(buffer);
  EXPECT_FALSE(got.error);
  EXPECT_EQ(got.bytes, 120u);
}

TEST(spsc_ring, an_oversize_message_is_refused_and_nothing_is_sent) {
  ring_memory memory({.capacity_bytes = 256, .max_message_bytes = 100});
  auto tx = ring_producer::attach(memory.bytes());
  auto rx = ring_consumer::attach(memory.bytes());
  const std::array<std::byte, 101> message{};
  EXPECT_EQ(tx.try_send(message), errc::message_too_large);
  EXPECT_EQ(tx.send(message, deadline::forever()), errc::message_too_large);
  EXPECT_EQ(tx.try_prepare(101).error, errc::message_too_large);
  std::array<std::byte, 128> buffer{};
  EXPECT_EQ(rx.try_receive(buffer).error, errc::would_block);
}

TEST(spsc_ring, a_receive_buffer_too_small_leaves_the_message_queued) {
  ring_memory memory;
  auto tx = ring_producer::attach(memory.bytes());
  auto rx = ring_consumer::attach(memory.bytes());
  const auto greeting = xipc::test::to_bytes("Greetings");
  ASSERT_FALSE(tx.try_send(greeting));
  std::array<std::byte, 4> small{};
  const auto refused = rx.try_receive(small);
  EXPECT_EQ(refused.error, errc::message_too_large);
  EXPECT_EQ(refused.bytes, greeting.size()) << "the size needed";
  std::array<std::byte, 16> enough{};
  const auto got = rx.receive(enough, deadline::immediately());
  ASSERT_FALSE(got.error);
  EXPECT_TRUE(std::equal(greeting.begin(), greeting.end(), enough.begin()));
}

TEST(spsc_ring, zero_copy_prepare_commit_peek_release) {
  ring_memory memory;
  auto tx = ring_producer::attach(memory.bytes());
  auto rx = ring_consumer::attach(memory.bytes());
  auto slot = tx.try_prepare(64);
  ASSERT_TRUE(slot);
  ASSERT_EQ(slot.bytes.size(), 64u);
  std::memcpy(slot.bytes.data(), "in place", 8);
  EXPECT_EQ(rx.try_peek().error, errc::would_block) << "nothing is visible before commit";
  tx.commit(8);  // shorter than prepared
  auto seen = rx.try_peek();
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen.bytes.size(), 8u);
  EXPECT_EQ(std::memcmp(seen.bytes.data(), "in place", 8), 0);
  EXPECT_EQ(rx.try_peek().bytes.data(), seen.bytes.data()) << "peek again without release: the same message";
  rx.release();
  EXPECT_EQ(rx.try_peek().error, errc::would_block);
}

TEST(spsc_ring, staged_messages_appear_together_on_publish) {
  ring_memory memory;
  auto tx = ring_producer::attach(memory.bytes());
  auto rx = ring_consumer::attach(memory.bytes());
  for (std::uint64_t sequence = 0; sequence < 3; ++sequence) {
    const auto message = sequenced(sequence, 64);
    auto slot = tx.try_prepare(message.size());
    ASSERT_TRUE(slot);
    std::copy(message.begin(), message.end(), slot.bytes.begin());
    tx.stage();
  }
  EXPECT_EQ(rx.try_peek().error, errc::would_block);
  tx.publish();
  std::array<std::byte, 64> buffer{};
  for (std::uint64_t sequence = 0; sequence < 3; ++sequence) {
    const auto got = rx.try_receive(buffer);
    ASSERT_FALSE(got.error);
    EXPECT_TRUE(xipc::test::is_sequenced({buffer.data(), got.bytes}, sequence, 64));
  }
}

TEST(spsc_ring, a_batch_sends_what_fits_with_one_publish) {
  ring_memory memory({.capacity_bytes = 256, .max_message_bytes = 24});
  auto tx = ring_producer::attach(memory.bytes());
  auto rx = ring_consumer::attach(memory.bytes());
  std::vector<std::vector<std::byte>> storage;
  for (std::uint64_t sequence = 0; sequence < 12; ++sequence) storage.emplace_back(24, std::byte(sequence));
  const std::vector<std::span<const std::byte>> batch(storage.begin(), storage.end());
  const auto tail_before = memory.layout().producer.position.load();
  EXPECT_EQ(tx.try_send_batch(batch), 7u) << "seven 32-byte records and the next header word fill the ring";
  EXPECT_EQ(memory.layout().producer.position.load() - tail_before, 224u);
  std::array<std::byte, 24> buffer{};
  for (int i = 0; i < 7; ++i) {
    ASSERT_FALSE(rx.try_receive(buffer).error);
    EXPECT_EQ(buffer[0], std::byte(i));
  }
}

TEST(spsc_ring, a_second_producer_or_consumer_is_busy) {
  ring_memory memory;
  auto tx = ring_producer::attach(memory.bytes());
  auto rx = ring_consumer::attach(memory.bytes());
  std::error_code ec;
  ring_producer::attach(memory.bytes(), {}, ec);
  EXPECT_EQ(ec, errc::busy);
  ring_consumer::attach(memory.bytes(), {}, ec);
  EXPECT_EQ(ec, errc::busy);
  try {
    ring_producer::attach(memory.bytes());
    ADD_FAILURE() << "no exception";
  } catch (const std::system_error& e) {
    EXPECT_NE(std::string(e.what()).find("a producer is already attached, in process"), std::string::npos) << e.what();
  }
  tx.detach();
  EXPECT_FALSE(tx.is_attached());
  auto again = ring_producer::attach(memory.bytes(), {}, ec);
  EXPECT_FALSE(ec) << ec.message();
}

TEST(spsc_ring, the_consumer_drains_then_sees_the_producer_closed) {
  ring_memory memory;
  auto tx = ring_producer::attach(memory.bytes());
  auto rx = ring_consumer::attach(memory.bytes());
  ASSERT_FALSE(tx.try_send(xipc::test::to_bytes("last words")));
  tx.detach();
  std::array<std::byte, 32> buffer{};
  EXPECT_FALSE(rx.try_receive(buffer).error) << "what was sent before closing still arrives";
  EXPECT_EQ(rx.try_receive(buffer).error, errc::peer_closed);
  EXPECT_EQ(rx.receive(buffer, deadline::forever()).error, errc::peer_closed) << "and a blocking call does not hang";
}

TEST(spsc_ring, a_new_producer_continues_where_the_last_one_committed) {
  ring_memory memory({.capacity_bytes = 8192, .max_message_bytes = 200});
  auto rx = ring_consumer::attach(memory.bytes());
  std::array<std::byte, 256> buffer{};
  std::uint64_t sequence = 0;
  for (int generation = 0; generation < 3; ++generation) {
    auto tx = ring_producer::attach(memory.bytes());
    for (int i = 0; i < 5; ++i, ++sequence) ASSERT_FALSE(tx.try_send(sequenced(sequence, 200)));
    // An uncommitted message is dropped with its producer, never seen.
    ASSERT_TRUE(tx.try_prepare(50));
  }
  for (std::uint64_t expected = 0; expected < sequence; ++expected) {
    const auto got = rx.try_receive(buffer);
    ASSERT_FALSE(got.error) << expected;
    ASSERT_TRUE(xipc::test::is_sequenced({buffer.data(), got.bytes}, expected, 200)) << expected;
  }
  EXPECT_EQ(rx.try_receive(buffer).error, errc::peer_closed);
}

TEST(spsc_ring, moving_an_end_keeps_it_attached) {
  ring_memory memory;
  auto tx = ring_producer::attach(memory.bytes());
  ring_producer moved = std::move(tx);
  EXPECT_FALSE(tx.is_attached());  // NOLINT(bugprone-use-after-move): a moved-from end is detached
  EXPECT_TRUE(moved.is_attached());
  auto rx = ring_consumer::attach(memory.bytes());
  ASSERT_FALSE(moved.try_send(xipc::test::to_bytes("moved")));
  std::array<std::byte, 8> buffer{};
  EXPECT_EQ(rx.try_receive(buffer).bytes, 5u);
}

// ---- how each side is notified ------------------------------------------------------

// An adaptive side fences between announcing a sleep and looking again
// where the system can (membarrier on Linux), and its peer then notifies it
// with a plain load; a blocking side is notified with the read-modify-write;
// a spinning side needs no notify at all (docs/ring.md).
TEST(ring_notify, each_side_says_how_it_must_be_notified) {
  ring_memory memory;
  auto tx = ring_producer::attach(memory.bytes(), {.mode = wait_mode::adaptive});
  auto rx = ring_consumer::attach(memory.bytes(), {.mode = wait_mode::spin});
  const auto& layout = *reinterpret_cast<const xipc::detail::ring_layout*>(memory.bytes().data());
  EXPECT_EQ(layout.consumer_signal.may_sleep.load(), xipc::detail::ring_never_sleeps);
  const bool fences = xipc::detail::heavy_fence();
  EXPECT_EQ(layout.producer_signal.may_sleep.load(),
            fences ? xipc::detail::ring_sleeps_fenced : xipc::detail::ring_sleeps);
  EXPECT_EQ(xipc::detail::register_light_notifier(), fences) << "one system answers both";
  // A readiness handle makes the spinning side one that may sleep, notified with the read-modify-write.
  static_cast<void>(rx.readiness_handle());
  EXPECT_EQ(layout.consumer_signal.may_sleep.load(), xipc::detail::ring_sleeps);
  {
    ring_memory other;
    auto blocking = ring_consumer::attach(other.bytes(), {.mode = wait_mode::block});
    const auto& other_layout = *reinterpret_cast<const xipc::detail::ring_layout*>(other.bytes().data());
    EXPECT_EQ(other_layout.consumer_signal.may_sleep.load(), xipc::detail::ring_sleeps);
  }
  // Notified either way, nothing is missed: every message wakes the blocked side.
  std::thread sender([&] {
    for (std::uint64_t i = 0; i < 2000; ++i) {
      if (tx.send(xipc::test::to_bytes("n"), 10s)) return;
    }
  });
  std::array<std::byte, 8> buffer{};
  for (int i = 0; i < 2000; ++i) ASSERT_FALSE(rx.receive(buffer, 10s).error) << i;
  sender.join();
#if XIPC_OS_LINUX
  if (!fences) GTEST_SKIP() << "membarrier's MEMBARRIER_CMD_GLOBAL_EXPEDITED is not available here (Linux 4.16+, "
                               "not blocked by seccomp): notifiers use the read-modify-write";
#endif
}

// ---- every deadline mode, in every wait mode -----------------------------------------

class ring_wait_modes : public ::testing::TestWithParam<wait_mode> {
 protected:
  wait_policy policy() const { return {.mode = GetParam(), .spin_budget = 20us}; }
};

TEST_P(ring_wait_modes, receive_times_out_no_earlier_than_the_deadline) {
  ring_memory memory;
  auto tx = ring_producer::attach(memory.bytes(), policy());
  auto rx = ring_consumer::attach(memory.bytes(), policy());
  std::array<std::byte, 8> buffer{};
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(rx.receive(buffer, 30ms).error, errc::timed_out);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 30ms);
  EXPECT_EQ(rx.receive(buffer, deadline::immediately()).error, errc::would_block);
}

TEST_P(ring_wait_modes, a_blocked_receive_wakes_for_a_message) {
  ring_memory memory;
  auto tx = ring_producer::attach(memory.bytes(), policy());
  auto rx = ring_consumer::attach(memory.bytes(), policy());
  std::thread later([&] {
    std::this_thread::sleep_for(20ms);
    EXPECT_FALSE(tx.try_send(xipc::test::to_bytes("wake")));
  });
  std::array<std::byte, 8> buffer{};
  const auto got = rx.receive(buffer, deadline::forever());
  later.join();
  EXPECT_FALSE(got.error) << got.error.message();
  EXPECT_EQ(got.bytes, 4u);
}

TEST_P(ring_wait_modes, a_blocked_send_wakes_when_room_is_freed) {
  ring_memory memory({.capacity_bytes = 256, .max_message_bytes = 24});
  auto tx = ring_producer::attach(memory.bytes(), policy());
  auto rx = ring_consumer::attach(memory.bytes(), policy());
  const std::array<std::byte, 24> message{};
  while (!tx.try_send(message)) {
  }
  std::thread later([&] {
    std::this_thread::sleep_for(20ms);
    std::array<std::byte, 24> buffer{};
    EXPECT_FALSE(rx.try_receive(buffer).error);
  });
  EXPECT_FALSE(tx.send(message, 10s));
  later.join();
}

TEST_P(ring_wait_modes, a_blocked_receive_returns_when_the_producer_detaches) {
  ring_memory memory;
  auto tx = ring_producer::attach(memory.bytes(), policy());
  auto rx = ring_consumer::attach(memory.bytes(), policy());
  std::thread later([&] {
    std::this_thread::sleep_for(20ms);
    tx.detach();
  });
  std::array<std::byte, 8> buffer{};
  EXPECT_EQ(rx.receive(buffer, 10s).error, errc::peer_closed);
  later.join();
}

// Two threads, random sizes: nothing lost, duplicated, reordered or torn.
TEST_P(ring_wait_modes, two_threads_stream_messages_intact) {
  constexpr std::uint64_t count = 100'000;
  constexpr std::size_t max_bytes = 300;
  ring_memory memory({.capacity_bytes = 4096, .max_message_bytes = max_bytes});
  auto rx = ring_consumer::attach(memory.bytes(), policy());
  std::thread producer([&] {
    auto tx = ring_producer::attach(memory.bytes(), policy());
    std::array<std::byte, max_bytes> message{};
    for (std::uint64_t sequence = 0; sequence < count; ++sequence) {
      const std::span<std::byte> bytes{message.data(), xipc::test::sequenced_size(sequence, max_bytes)};
      xipc::test::fill_sequenced(bytes, sequence);
      const auto ec = tx.send(bytes, 10s);
      if (ec) {
        ADD_FAILURE() << "send " << sequence << ": " << ec.message();
        return;
      }
    }
  });
  std::array<std::byte, max_bytes> buffer{};
  std::uint64_t received = 0;
  for (; received < count; ++received) {
    const auto got = rx.receive(buffer, 10s);
    ASSERT_FALSE(got.error) << received << ": " << got.error.message();
    ASSERT_TRUE(xipc::test::is_sequenced({buffer.data(), got.bytes}, received, max_bytes)) << received;
  }
  producer.join();
  EXPECT_EQ(rx.receive(buffer, 10s).error, errc::peer_closed);
}

INSTANTIATE_TEST_SUITE_P(all, ring_wait_modes, ::testing::Values(wait_mode::spin, wait_mode::block, wait_mode::adaptive),
                         [](const auto& param_info) {
                           switch (param_info.param) {
                             case wait_mode::spin: return std::string("spin");
                             case wait_mode::block: return std::string("block");
                             case wait_mode::adaptive: return std::string("adaptive");
                           }
                           return std::string("unknown");
                         });

}  // namespace
