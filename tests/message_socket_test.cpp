// Message mode framed over a stream socket (posix/message_socket_framed.cpp,
// what macOS uses: its AF_UNIX has no seqpacket), driven by a peer that
// writes the stream by hand: a frame that arrives in pieces, one cut short,
// one that is no frame at all. Built where message mode is framed: in the
// macOS test binary, and on Linux in xipc-framed-message-tests.
#include <xipc/named_pipe.hpp>

#include <gtest/gtest.h>
#include <xipc/detail/config.hpp>

#if !XIPC_OS_WINDOWS && !XIPC_HAS_SEQPACKET
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "support/bytes.hpp"
#include "support/named_pipe_pair.hpp"
#include "support/object_names.hpp"

namespace {

using namespace std::chrono_literals;
using xipc::deadline;
using xipc::errc;
using xipc::named_pipe;
using xipc::named_pipe_server;
using xipc::pipe_mode;

constexpr xipc::named_pipe_options message_mode{.mode = pipe_mode::message, .max_message_bytes = 4096};

xipc::test::named_pipe_pair connect_pair() {
  return xipc::test::connect_named_pipe_pair(xipc::test::unique_name("framed"), message_mode);
}

// Writes raw bytes on the client's stream, as a peer that frames by hand.
void write_raw(const named_pipe& to, const void* data, std::size_t size) {
  ASSERT_EQ(::send(to.native_handle(), data, size, 0), static_cast<ssize_t>(size));
}

void write_length(const named_pipe& to, std::uint32_t length) { write_raw(to, &length, sizeof length); }

TEST(framed_message, a_frame_that_arrives_in_pieces_is_taken_only_when_whole) {
  auto pair = connect_pair();
  const std::string text = "a message in two pieces";
  std::array<std::byte, 64> buffer{};
  write_length(pair.client, static_cast<std::uint32_t>(text.size()));
  write_raw(pair.client, text.data(), 5);
  EXPECT_EQ(pair.served.receive(buffer, deadline::immediately()).error, errc::would_block);
  EXPECT_EQ(pair.served.receive(buffer, 50ms).error, errc::timed_out) << "a deadline takes nothing";
  std::thread rest([&] {
    std::this_thread::sleep_for(30ms);
    write_raw(pair.client, text.data() + 5, text.size() - 5);
  });
  const auto got = pair.served.receive(buffer, 5s);
  rest.join();
  ASSERT_FALSE(got.error) << got.error.message();
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(buffer.data()), got.bytes), text);
  // The stream is still in step: the next message comes whole.
  ASSERT_FALSE(pair.client.send(xipc::test::to_bytes("next"), 1s));
  const auto next = pair.served.receive(buffer, 1s);
  ASSERT_FALSE(next.error);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(buffer.data()), next.bytes), "next");
}

TEST(framed_message, a_message_larger_than_the_buffer_stays_whole) {
  auto pair = connect_pair();
  const std::vector<std::byte> message(100, std::byte{7});
  ASSERT_FALSE(pair.client.send(message, 1s));
  std::array<std::byte, 10> small{};
  const auto refused = pair.served.receive(small, 1s);
  EXPECT_EQ(refused.error, errc::message_too_large);
  EXPECT_EQ(refused.bytes, message.size()) << "the size it needs";
  std::vector<std::byte> large(200);
  const auto got = pair.served.receive(large, 1s);
  ASSERT_FALSE(got.error);
  EXPECT_EQ(got.bytes, message.size());
  EXPECT_EQ(large[99], std::byte{7});
}

TEST(framed_message, a_frame_cut_short_by_the_peer_is_peer_closed_not_a_hang) {
  auto pair = connect_pair();
  write_length(pair.client, 1000);
  write_raw(pair.client, "only part", 9);
  pair.client = named_pipe();  // gone mid-frame
  std::array<std::byte, 2048> buffer{};
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(pair.served.receive(buffer, 5s).error, errc::peer_closed);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 4s) << "known at once, not at the deadline";
}

TEST(framed_message, an_empty_frame_is_corrupted) {
  auto pair = connect_pair();
  write_length(pair.client, 0);
  std::array<std::byte, 16> buffer{};
  EXPECT_EQ(pair.served.receive(buffer, 1s).error, errc::corrupted);
}

TEST(framed_message, many_messages_of_every_size_keep_their_boundaries) {
  auto pair = connect_pair();
  std::thread sender([&] {
    for (std::size_t size = 1; size <= 4096; size += 37) {
      std::vector<std::byte> message(size, static_cast<std::byte>(size));
      ASSERT_FALSE(pair.client.send(message, 5s));
    }
  });
  std::vector<std::byte> buffer(4096);
  for (std::size_t size = 1; size <= 4096; size += 37) {
    const auto got = pair.served.receive(buffer, 5s);
    ASSERT_FALSE(got.error) << got.error.message();
    ASSERT_EQ(got.bytes, size);
    EXPECT_EQ(buffer[size - 1], static_cast<std::byte>(size));
  }
  sender.join();
}

}  // namespace
#endif
