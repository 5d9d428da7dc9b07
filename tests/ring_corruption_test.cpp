// Shared memory is not trusted: every impossible header, position or record
// is errc::corrupted, never an access outside the ring.
#include <xipc/spsc_ring.hpp>

#include <gtest/gtest.h>
#include <xipc/anonymous_memory.hpp>

#include <array>

#include "support/bytes.hpp"

namespace {

using xipc::errc;
using xipc::ring_consumer;
using xipc::ring_producer;
using xipc::detail::ring_layout;

class ring_corruption : public ::testing::Test {
 protected:
  ring_corruption() { EXPECT_FALSE(xipc::format_ring(bytes(), {.capacity_bytes = 1024, .max_message_bytes = 200})); }
  std::span<std::byte> bytes() { return {memory_.data(), memory_.size()}; }
  ring_layout& layout() { return *reinterpret_cast<ring_layout*>(memory_.data()); }
  std::byte* data() { return memory_.data() + xipc::detail::ring_data_offset; }

  std::string attach_error() {
    try {
      ring_consumer::attach(bytes());
    } catch (const std::system_error& e) {
      EXPECT_EQ(e.code(), errc::corrupted) << e.what();
      return e.what();
    }
    ADD_FAILURE() << "attached to a corrupted ring";
    return {};
  }

  xipc::anonymous_memory memory_ = xipc::anonymous_memory::create(xipc::ring_memory_bytes(1024));
  std::array<std::byte, 256> buffer_{};
};

bool has(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

TEST_F(ring_corruption, a_bad_or_missing_magic_number_is_refused_at_attach) {
  layout().header.magic.store(0x1234);
  EXPECT_TRUE(has(attach_error(), "bad magic number 0x0000000000001234"));
  layout().header.magic.store(0);
  EXPECT_TRUE(has(attach_error(), "never formatted"));
}

TEST_F(ring_corruption, header_fields_are_checked_at_attach) {
  layout().header.layout_version = 7;
  EXPECT_TRUE(has(attach_error(), "layout version 7"));
  layout().header.layout_version = xipc::detail::ring_layout_version;
  layout().header.capacity_bytes = 1000;
  EXPECT_TRUE(has(attach_error(), "capacity 1000"));
  layout().header.capacity_bytes = 1 << 20;
  EXPECT_TRUE(has(attach_error(), "capacity 1048576")) << "larger than the memory";
  layout().header.capacity_bytes = 1024;
  layout().header.max_message_bytes = 600;
  EXPECT_TRUE(has(attach_error(), "maximum message size 600"));
  layout().header.max_message_bytes = 200;
  layout().header.data_offset = 64;
  EXPECT_TRUE(has(attach_error(), "data offset 64"));
}

TEST_F(ring_corruption, positions_out_of_order_are_refused_at_attach) {
  layout().consumer.position.store(64);  // head ahead of tail
  EXPECT_TRUE(has(attach_error(), "positions out of order"));
  layout().consumer.position.store(0);
  layout().producer.position.store(2048);  // more than a ring's worth queued
  EXPECT_TRUE(has(attach_error(), "positions out of order"));
  layout().producer.position.store(12);  // not record-aligned
  EXPECT_TRUE(has(attach_error(), "positions out of order"));
}

TEST_F(ring_corruption, memory_too_small_or_misaligned_is_an_invalid_argument) {
  std::error_code ec;
  ring_consumer::attach(bytes().first(200), {}, ec);
  EXPECT_EQ(ec, errc::invalid_argument);
  ring_consumer::attach(bytes().subspan(64), {}, ec);
  EXPECT_EQ(ec, errc::invalid_argument);
}

TEST_F(ring_corruption, a_header_changed_after_attach_is_not_trusted) {
  auto tx = ring_producer::attach(bytes());
  auto rx = ring_consumer::attach(bytes());
  layout().header.capacity_bytes = 1 << 30;
  layout().header.max_message_bytes = 1 << 29;
  // The ends use what they checked at attach.
  EXPECT_EQ(tx.try_send(std::vector<std::byte>(201)), errc::message_too_large);
  ASSERT_FALSE(tx.try_send(std::vector<std::byte>(200)));
  EXPECT_EQ(rx.try_receive(buffer_).bytes, 200u);
}

TEST_F(ring_corruption, a_header_word_without_its_commit_bit_is_corrupted) {
  auto rx = ring_consumer::attach(bytes());
  const std::uint64_t half_written = 0x0000000500000000ull;
  std::memcpy(data(), &half_written, sizeof half_written);
  EXPECT_EQ(rx.try_receive(buffer_).error, errc::corrupted);
  EXPECT_EQ(rx.receive(buffer_, std::chrono::milliseconds(10)).error, errc::corrupted) << "also while waiting";
}

TEST_F(ring_corruption, an_impossible_head_is_corrupted_for_the_producer) {
  auto tx = ring_producer::attach(bytes());
  const std::array<std::byte, 200> message{};
  for (int i = 0; i < 4; ++i) ASSERT_FALSE(tx.try_send(message));  // 832 of 1024 bytes used
  layout().consumer.position.store(2000);                           // ahead of the tail
  EXPECT_EQ(tx.try_send(message), errc::corrupted);
  EXPECT_EQ(tx.send(message, std::chrono::milliseconds(10)), errc::corrupted);
}

TEST_F(ring_corruption, record_headers_are_checked_before_use) {
  using xipc::detail::ring_record_word;
  auto tx = ring_producer::attach(bytes());
  auto rx = ring_consumer::attach(bytes());
  ASSERT_FALSE(tx.try_send(xipc::test::to_bytes("0123456789")));
  std::uint64_t intact = 0;
  std::memcpy(&intact, data(), sizeof intact);

  const auto with = [&](std::uint64_t changed) {
    std::memcpy(data(), &changed, sizeof changed);
    return rx.try_receive(buffer_).error;
  };
  EXPECT_EQ(with(ring_record_word(0, 201, false)), errc::corrupted) << "larger than the maximum";
  EXPECT_EQ(with(ring_record_word(1024, 10, false)), errc::corrupted) << "a record of another lap";
  EXPECT_EQ(with(ring_record_word(0, 8, true)), errc::corrupted) << "padding that does not end the ring";
  EXPECT_FALSE(with(intact)) << "the intact record still reads";
}

TEST_F(ring_corruption, a_record_reaching_past_the_ring_end_is_corrupted) {
  using xipc::detail::ring_record_word;
  auto tx = ring_producer::attach(bytes());
  auto rx = ring_consumer::attach(bytes());
  const std::array<std::byte, 200> message{};
  for (int i = 0; i < 4; ++i) {
    ASSERT_FALSE(tx.try_send(message));
    ASSERT_FALSE(rx.try_receive(buffer_).error);
  }
  // The head is at 832: a 200-byte message there would end at 1040, past the ring's 1024.
  const std::uint64_t forged = ring_record_word(832, 200, false);
  std::memcpy(data() + 832, &forged, sizeof forged);
  EXPECT_EQ(rx.try_receive(buffer_).error, errc::corrupted);
}

}  // namespace
