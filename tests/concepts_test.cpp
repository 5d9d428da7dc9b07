// The concepts accept the minimal archetypes and reject near misses; generic
// code written against them compiles for every type that models them.
#include <xipc/concepts.hpp>

#include <gtest/gtest.h>

#include <string>

#include "support/archetypes.hpp"

namespace {

using xipc::test::memory_buffer;
using xipc::test::memory_channel;
using xipc::test::memory_stream;

static_assert(xipc::byte_stream<memory_stream>);
static_assert(xipc::message_sender<memory_channel>);
static_assert(xipc::message_receiver<memory_channel>);
static_assert(xipc::message_channel<memory_channel>);
static_assert(xipc::memory_region<memory_buffer>);

// A stream with messages, and a channel with bytes, are different things.
static_assert(!xipc::byte_stream<memory_channel>);
static_assert(!xipc::message_channel<memory_stream>);
static_assert(!xipc::memory_region<memory_stream>);

struct read_only_stream {
  xipc::io_result read_some(std::span<std::byte>, xipc::deadline) { return {}; }
};
static_assert(xipc::byte_source<read_only_stream>);
static_assert(!xipc::byte_sink<read_only_stream>);
static_assert(!xipc::byte_stream<read_only_stream>);

struct sender_without_try {
  std::error_code send(std::span<const std::byte>, xipc::deadline) { return {}; }
};
static_assert(!xipc::message_sender<sender_without_try>);

struct receiver_returning_size {
  std::size_t receive(std::span<std::byte>, xipc::deadline) { return 0; }
  std::size_t try_receive(std::span<std::byte>) { return 0; }
};
static_assert(!xipc::message_receiver<receiver_returning_size>);

struct sender_only {
  std::error_code send(std::span<const std::byte>, xipc::deadline) { return {}; }
  std::error_code try_send(std::span<const std::byte>) { return {}; }
};
static_assert(xipc::message_sender<sender_only>);
static_assert(!xipc::message_channel<sender_only>);

struct region_with_int_size {
  const std::byte* data() const { return nullptr; }
  int size() const { return 0; }
};
static_assert(!xipc::memory_region<region_with_int_size>);

// Generic code constrained by a concept: one echo written once for any channel.
template <xipc::message_channel C>
std::string echo_through(C& channel, std::string_view text) {
  const auto sent = channel.try_send(std::as_bytes(std::span(text.data(), text.size())));
  if (sent) return "send failed: " + sent.message();
  std::string back(text.size(), '\0');
  const auto got = channel.try_receive(std::as_writable_bytes(std::span(back.data(), back.size())));
  if (got.error) return "receive failed: " + got.error.message();
  back.resize(got.bytes);
  return back;
}

TEST(concepts, generic_code_runs_on_a_channel_archetype) {
  memory_channel channel(4, 64);
  EXPECT_EQ(echo_through(channel, "Greetings"), "Greetings");
  EXPECT_EQ(echo_through(channel, ""), "");
}

TEST(concepts, io_result_converts_to_true_only_without_error) {
  EXPECT_TRUE(static_cast<bool>(xipc::io_result{3, {}}));
  EXPECT_FALSE(static_cast<bool>(xipc::io_result{3, make_error_code(xipc::errc::peer_closed)}));
}

}  // namespace
