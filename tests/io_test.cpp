#include <xipc/io.hpp>

#include <gtest/gtest.h>

#include <array>
#include <cstdint>

#include "support/archetypes.hpp"
#include "support/bytes.hpp"

namespace {

using xipc::errc;
using xipc::test::memory_channel;
using xipc::test::memory_stream;

TEST(write_all_read_exact, move_a_buffer_across_short_writes_and_reads) {
  memory_stream stream(/*chunk=*/7);
  std::vector<std::byte> out(1000);
  xipc::test::fill_pattern(out, 42);

  const auto wrote = xipc::write_all(stream, out);
  EXPECT_FALSE(wrote.error);
  EXPECT_EQ(wrote.bytes, out.size());

  std::vector<std::byte> in(out.size());
  const auto read = xipc::read_exact(stream, in);
  EXPECT_FALSE(read.error);
  EXPECT_EQ(read.bytes, in.size());
  EXPECT_EQ(xipc::test::first_mismatch(in, 42), in.size());
}

TEST(read_exact, reports_end_of_stream_with_the_bytes_that_did_arrive) {
  memory_stream stream;
  const auto text = xipc::test::to_bytes("Greetings");
  ASSERT_FALSE(xipc::write_all(stream, text).error);
  stream.close_writer();

  std::array<std::byte, 20> in{};
  const auto read = xipc::read_exact(stream, in);
  EXPECT_EQ(read.error, errc::end_of_stream);
  EXPECT_EQ(read.bytes, text.size());
  EXPECT_TRUE(std::equal(text.begin(), text.end(), in.begin()));
}

TEST(read_exact, passes_the_deadline_through) {
  memory_stream stream;
  std::array<std::byte, 4> in{};
  EXPECT_EQ(xipc::read_exact(stream, in, xipc::deadline::immediately()).error, errc::would_block);
  EXPECT_EQ(xipc::read_exact(stream, in, std::chrono::milliseconds(5)).error, errc::timed_out);
}

TEST(write_all, reports_how_much_was_written_before_the_peer_closed) {
  memory_stream stream(/*chunk=*/4);
  stream.close_reader_after(10);
  std::vector<std::byte> out(32);
  const auto wrote = xipc::write_all(stream, out);
  EXPECT_EQ(wrote.error, errc::peer_closed);
  EXPECT_EQ(wrote.bytes, 10u);
}

TEST(write_all_read_exact, empty_buffers_complete_at_once) {
  memory_stream stream;
  EXPECT_FALSE(xipc::write_all(stream, {}).error);
  EXPECT_FALSE(xipc::read_exact(stream, {}, xipc::deadline::immediately()).error);
}

struct sample {
  std::uint32_t id;
  double value;
  char tag[6];
};

// Trivially copyable, but not default-constructible.
struct no_default {
  explicit no_default(int v) : value(v) {}
  int value;
};

TEST(send_receive_value, round_trips_a_trivially_copyable_value) {
  memory_channel channel(4, 64);
  const sample out{7, 2.5, "hello"};
  ASSERT_FALSE(xipc::send_value(channel, out));
  sample in{};
  ASSERT_FALSE(xipc::receive_value(channel, in));
  EXPECT_EQ(in.id, 7u);
  EXPECT_EQ(in.value, 2.5);
  EXPECT_STREQ(in.tag, "hello");

  ASSERT_FALSE(xipc::send_value(channel, no_default(9)));
  no_default got(0);
  ASSERT_FALSE(xipc::receive_value(channel, got));
  EXPECT_EQ(got.value, 9);
}

TEST(receive_value, a_smaller_message_is_corrupted_and_consumed) {
  memory_channel channel(4, 64);
  const std::uint16_t small = 3;
  ASSERT_FALSE(xipc::send_value(channel, small));
  std::uint64_t in = 0;
  EXPECT_EQ(xipc::receive_value(channel, in), errc::corrupted);
  EXPECT_EQ(channel.queued(), 0u);
  EXPECT_EQ(in, 0u) << "the target keeps its value when the message is refused";
}

TEST(receive_value, a_larger_message_is_corrupted_and_stays_queued) {
  memory_channel channel(4, 64);
  ASSERT_FALSE(xipc::send_value(channel, sample{1, 1.0, "x"}));
  std::uint32_t in = 0;
  EXPECT_EQ(xipc::receive_value(channel, in), errc::corrupted);
  EXPECT_EQ(channel.queued(), 1u);
}

TEST(send_value, a_full_channel_times_out_or_would_block) {
  memory_channel channel(1, 64);
  ASSERT_FALSE(xipc::send_value(channel, 1));
  EXPECT_EQ(xipc::send_value(channel, 2, xipc::deadline::immediately()), errc::would_block);
  EXPECT_EQ(xipc::send_value(channel, 2, std::chrono::milliseconds(1)), errc::timed_out);
}

TEST(receive_value, an_empty_channel_would_block) {
  memory_channel channel(1, 64);
  int in = 0;
  EXPECT_EQ(xipc::receive_value(channel, in, xipc::deadline::immediately()), errc::would_block);
}

}  // namespace
