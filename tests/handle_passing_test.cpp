#include <xipc/handle_passing.hpp>

#include <gtest/gtest.h>
#include <xipc/detail/config.hpp>
#include <xipc/io.hpp>
#include <xipc/named_pipe.hpp>

#if !XIPC_OS_WINDOWS
#include <sys/socket.h>
#include <unistd.h>
#endif

#include <array>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "net/handle_frame.hpp"
#include "support/bytes.hpp"
#include "support/handles.hpp"
#include "support/object_names.hpp"
#include "support/peer_process.hpp"
#include "support/raw_handle_frames.hpp"

namespace {

using namespace std::chrono_literals;
using xipc::endpoint;
using xipc::errc;

std::span<const std::byte> text(std::string_view s) { return std::as_bytes(std::span(s.data(), s.size())); }
std::string as_text(std::span<const std::byte> bytes) {
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

// A connected named pipe in `Mode`: handles pass over it on every OS.
template <xipc::pipe_mode Mode>
struct named_pipe_pair {
  xipc::named_pipe_server server;
  xipc::named_pipe near;
  xipc::named_pipe far;
  named_pipe_pair() {
    server = xipc::named_pipe_server::create(xipc::test::unique_name("hpn"), {.mode = Mode});
    near = xipc::named_pipe::connect(server.name(), {.mode = Mode}, 5s);
    EXPECT_FALSE(server.accept(far, 5s));
  }
};
using byte_pipe_pair = named_pipe_pair<xipc::pipe_mode::byte>;
using message_pipe_pair = named_pipe_pair<xipc::pipe_mode::message>;

#if !XIPC_OS_WINDOWS
struct stream_pair {
  xipc::local_stream near;
  xipc::local_stream far;
  stream_pair() {
    auto listener = xipc::local_listener::listen(endpoint::parse("unix:@" + xipc::test::unique_name("hp")));
    near = xipc::local_stream::connect(listener.local_endpoint(), 5s);
    EXPECT_FALSE(listener.accept(far, 5s));
  }
};

struct datagram_pair {
  xipc::local_datagram near;
  xipc::local_datagram far;
  datagram_pair() {
    const endpoint far_end = endpoint::parse("unix:@" + xipc::test::unique_name("hpd"));
    far = xipc::local_datagram::bind(far_end);
    near = xipc::local_datagram::connect(far_end);
    EXPECT_FALSE(far.connect_to(near.local_endpoint()));
  }
};

#endif

// ---- every kind, to another process -----------------------------------------------------

constexpr std::size_t region_bytes = 4096;
constexpr std::uint64_t shared_seed = 11;
constexpr std::uint64_t anonymous_seed = 22;

// The peer's half for the kinds every OS passes: handles 0-3 are a shared
// region, an anonymous one and a pipe's two ends, 4-5 a TCP stream and a
// UDP socket (from `first_socket`). It checks them and answers through each.
// The exit code names the first check that failed.
int use_portable_kinds(xipc::received_handles& in, const std::string& region_name, std::size_t first_socket) {
  auto region = in.take<xipc::shared_memory>(0);
  if (region.name() != region_name || region.size() != region_bytes || !region.writable()) return 20;
  if (xipc::test::first_mismatch(std::span(region.data(), region.size()), shared_seed) != region.size()) return 21;
  xipc::test::fill_pattern(std::span(region.data(), region.size()), shared_seed + 1);

  auto anonymous = in.take<xipc::anonymous_memory>(1);
  if (anonymous.size() != region_bytes) return 30;
  if (xipc::test::first_mismatch(std::span(anonymous.data(), anonymous.size()), anonymous_seed) != region_bytes) return 31;
  xipc::test::fill_pattern(std::span(anonymous.data(), anonymous.size()), anonymous_seed + 1);

  auto reader = in.take<xipc::pipe_reader>(2);
  std::array<std::byte, 9> greeting{};
  if (xipc::read_exact(reader, greeting, 5s).error || as_text(greeting) != "Greetings") return 40;
  auto writer = in.take<xipc::pipe_writer>(3);
  if (xipc::write_all(writer, text("Greetings back"), 5s).error) return 41;

  auto tcp = in.take<xipc::tcp_stream>(first_socket);
  if (xipc::write_all(tcp, text("tcp"), 5s).error) return 52;
  auto udp = in.take<xipc::udp_socket>(first_socket + 1);
  if (udp.send(text("udp"), 5s)) return 53;
  return 0;
}

// The sender's half: the objects, and what the peer answered through them.
struct portable_kinds {
  std::string name = xipc::test::unique_name("hpshm");
  struct remover {
    std::string name;
    ~remover() { xipc::shared_memory::remove(name); }
  } remove_later{name};
  xipc::shared_memory region = xipc::shared_memory::create(name, region_bytes);
  xipc::anonymous_memory anonymous = xipc::anonymous_memory::create(region_bytes);
  xipc::pipe_ends to_peer = xipc::make_pipe();
  xipc::pipe_ends from_peer = xipc::make_pipe();
  xipc::tcp_listener tcp_listener = xipc::tcp_listener::listen(endpoint::loopback_v4(0));
  xipc::tcp_stream tcp_near = xipc::tcp_stream::connect(tcp_listener.local_endpoint(), 5s);
  xipc::tcp_stream tcp_far;
  xipc::udp_socket udp_near = xipc::udp_socket::bind(endpoint::loopback_v4(0));
  xipc::udp_socket udp_far = xipc::udp_socket::bind(endpoint::loopback_v4(0));

  portable_kinds() {
    xipc::test::fill_pattern(std::span(region.data(), region.size()), shared_seed);
    xipc::test::fill_pattern(std::span(anonymous.data(), anonymous.size()), anonymous_seed);
    EXPECT_FALSE(tcp_listener.accept(tcp_far, 5s));
    EXPECT_FALSE(udp_far.connect_to(udp_near.local_endpoint()));
  }
  void add_memory_and_pipes(xipc::handle_list& out) const {
    out.add(region).add(anonymous).add(to_peer.reader).add(from_peer.writer);
  }
  void add_sockets(xipc::handle_list& out) const { out.add(tcp_far).add(udp_far); }
  // After sending: greets the peer and drops this side's copy of the end it writes with.
  void greet() {
    ASSERT_FALSE(xipc::write_all(to_peer.writer, text("Greetings"), 5s).error);
    from_peer.writer.close();
  }
  void expect_answers() {
    EXPECT_EQ(xipc::test::first_mismatch(std::span(region.data(), region.size()), shared_seed + 1), region_bytes);
    EXPECT_EQ(xipc::test::first_mismatch(std::span(anonymous.data(), anonymous.size()), anonymous_seed + 1),
              region_bytes);
    std::array<std::byte, 14> back{};
    EXPECT_FALSE(xipc::read_exact(from_peer.reader, back, 5s).error);
    EXPECT_EQ(as_text(back), "Greetings back");
    std::array<std::byte, 3> tcp_text{};
    EXPECT_FALSE(xipc::read_exact(tcp_near, tcp_text, 5s).error);
    EXPECT_EQ(as_text(tcp_text), "tcp");
    std::array<std::byte, 16> message{};
    const auto udp_got = udp_near.receive(message, 5s);
    EXPECT_EQ(as_text(std::span(message).first(udp_got.bytes)), "udp");
  }
};

// Over a named pipe in the mode args[2] names: the six portable kinds.
XIPC_TEST_ROLE(handle_receiver_over_named_pipe) {
  const auto mode = std::string_view(args[2]) == "message" ? xipc::pipe_mode::message : xipc::pipe_mode::byte;
  auto connection = xipc::named_pipe::connect(args[0], {.mode = mode}, 5s);
  xipc::received_handles in;
  std::array<std::byte, 64> buffer{};
  const xipc::io_result got = xipc::receive_handles(connection, buffer, in, 10s);
  if (got.error || as_text(std::span(buffer).first(got.bytes)) != "six handles") return 10;
  if (in.size() != 6) return 11;
  if (const int failed = use_portable_kinds(in, args[1], 4)) return failed;
  // Tell the sender everything is through; it holds its ends open until then.
  return xipc::send_handles(connection, {}, text("done"), 5s) ? 60 : 0;
}

template <xipc::pipe_mode Mode>
void every_portable_kind_reaches_another_process_over_a_named_pipe() {
  portable_kinds objects;
  const bool message = Mode == xipc::pipe_mode::message;
  auto server = xipc::named_pipe_server::create(xipc::test::unique_name("hpnp"), {.mode = Mode});
  auto peer = xipc::test::peer_process::start("handle_receiver_over_named_pipe",
                                              {server.name(), objects.name, message ? "message" : "byte"});
  xipc::named_pipe connection;
  ASSERT_FALSE(server.accept(connection, 10s));

  xipc::handle_list out;
  objects.add_memory_and_pipes(out);
  objects.add_sockets(out);
  ASSERT_FALSE(xipc::send_handles(connection, out, text("six handles"), 5s));
  objects.greet();

  xipc::received_handles in;
  std::array<std::byte, 4> done{};
  const auto got = xipc::receive_handles(connection, done, in, 10s);
  ASSERT_FALSE(got.error) << got.error.message();
  EXPECT_EQ(as_text(done), "done");
  EXPECT_EQ(peer.wait(10s), 0);
  objects.expect_answers();
}

TEST(handle_passing, every_portable_kind_reaches_another_process_over_a_byte_mode_named_pipe) {
  every_portable_kind_reaches_another_process_over_a_named_pipe<xipc::pipe_mode::byte>();
}

TEST(handle_passing, every_portable_kind_reaches_another_process_over_a_message_mode_named_pipe) {
  every_portable_kind_reaches_another_process_over_a_named_pipe<xipc::pipe_mode::message>();
}

#if !XIPC_OS_WINDOWS
// Over a local stream: the portable kinds and both local socket kinds.
XIPC_TEST_ROLE(handle_receiver) {
  auto connection = xipc::local_stream::connect(endpoint::parse(args[0]), 5s);
  xipc::received_handles in;
  std::array<std::byte, 64> buffer{};
  const xipc::io_result got = xipc::receive_handles(connection, buffer, in, 10s);
  if (got.error || as_text(std::span(buffer).first(got.bytes)) != "eight handles") return 10;
  if (in.size() != 8) return 11;
  if (const int failed = use_portable_kinds(in, args[1], 6)) return failed;
  auto local = in.take<xipc::local_stream>(4);
  if (xipc::write_all(local, text("local"), 5s).error) return 50;
  auto datagram = in.take<xipc::local_datagram>(5);
  if (datagram.send(text("datagram"), 5s)) return 51;
  return xipc::write_all(connection, text("done"), 5s).error ? 60 : 0;
}

TEST(handle_passing, every_kind_reaches_another_process_as_a_working_object) {
  portable_kinds objects;
  stream_pair local;
  datagram_pair datagram;
  const endpoint where = endpoint::parse("unix:@" + xipc::test::unique_name("hpl"));
  auto listener = xipc::local_listener::listen(where);
  auto peer = xipc::test::peer_process::start("handle_receiver", {where.to_string(), objects.name});
  xipc::local_stream connection;
  ASSERT_FALSE(listener.accept(connection, 10s));

  xipc::handle_list out;
  objects.add_memory_and_pipes(out);
  out.add(local.far).add(datagram.far);
  objects.add_sockets(out);
  ASSERT_FALSE(xipc::send_handles(connection, out, text("eight handles"), 5s));
  objects.greet();

  std::array<std::byte, 4> done{};
  ASSERT_FALSE(xipc::read_exact(connection, done, 10s).error);
  EXPECT_EQ(peer.wait(10s), 0);
  objects.expect_answers();
  std::array<std::byte, 5> local_text{};
  EXPECT_FALSE(xipc::read_exact(local.near, local_text, 5s).error);
  EXPECT_EQ(as_text(local_text), "local");
  std::array<std::byte, 16> message{};
  const auto datagram_got = datagram.near.receive(message, 5s);
  EXPECT_EQ(as_text(std::span(message).first(datagram_got.bytes)), "datagram");
}
#endif

// ---- taking, over every link ------------------------------------------------------------

template <class Link>
class handle_passing_over : public ::testing::Test {};

#if XIPC_OS_WINDOWS
using links = ::testing::Types<byte_pipe_pair, message_pipe_pair>;
#else
using links = ::testing::Types<byte_pipe_pair, message_pipe_pair, stream_pair, datagram_pair>;
#endif

struct link_names {
  template <class T>
  static std::string GetName(int) {
    if constexpr (std::is_same_v<T, byte_pipe_pair>) return "byte_named_pipe";
    else if constexpr (std::is_same_v<T, message_pipe_pair>) return "message_named_pipe";
#if !XIPC_OS_WINDOWS
    else if constexpr (std::is_same_v<T, stream_pair>) return "local_stream";
    else if constexpr (std::is_same_v<T, datagram_pair>) return "local_datagram";
#endif
    else return "unknown";
  }
};
TYPED_TEST_SUITE(handle_passing_over, links, link_names);

TYPED_TEST(handle_passing_over, a_handle_is_taken_once_and_only_as_its_own_kind) {
  TypeParam link;
  // A whole page: a region arrives with its section's size, which Windows may round up to pages.
  auto memory = xipc::anonymous_memory::create(4096);
  auto pipe = xipc::make_pipe();
  xipc::handle_list out;
  out.add(memory).add(pipe.writer);
  ASSERT_FALSE(xipc::send_handles(link.near, out, text("x"), 5s));
  xipc::received_handles in;
  std::array<std::byte, 1> byte{};
  ASSERT_FALSE(xipc::receive_handles(link.far, byte, in, 5s).error);
  ASSERT_EQ(in.size(), 2u);
  EXPECT_EQ(in.info(0).kind, xipc::handle_kind::anonymous_memory);
  EXPECT_TRUE(in.info(0).writable);
  EXPECT_EQ(in.info(1).kind, xipc::handle_kind::pipe_writer);

  std::error_code ec;
  in.take<xipc::pipe_reader>(1, ec);
  EXPECT_EQ(ec, errc::invalid_argument);
  in.take<xipc::pipe_writer>(2, ec);
  EXPECT_EQ(ec, errc::out_of_range);
  try {
    in.take<xipc::shared_memory>(0);
    ADD_FAILURE() << "taking a region as the wrong type must fail";
  } catch (const std::system_error& e) {
    EXPECT_NE(std::string(e.what()).find("it is a anonymous_memory, not a shared_memory"), std::string::npos) << e.what();
  }
  auto writer = in.take<xipc::pipe_writer>(1, ec);
  EXPECT_FALSE(ec);
  in.take<xipc::pipe_writer>(1, ec);
  EXPECT_EQ(ec, errc::not_found);
  auto region = in.take<xipc::anonymous_memory>(0, ec);
  ASSERT_FALSE(ec);
  EXPECT_EQ(region.size(), 4096u);
  region.data()[7] = std::byte{42};
  EXPECT_EQ(memory.data()[7], std::byte{42}) << "the same pages";
  // The writer works: what it writes comes out of this side's reader.
  ASSERT_FALSE(xipc::write_all(writer, text("hi"), 5s).error);
  std::array<std::byte, 2> hi{};
  ASSERT_FALSE(xipc::read_exact(pipe.reader, hi, 5s).error);
  EXPECT_EQ(as_text(hi), "hi");
}

TYPED_TEST(handle_passing_over, a_read_only_region_arrives_read_only) {
  const std::string name = xipc::test::unique_name("hpro");
  auto created = xipc::shared_memory::create(name, 64);
  auto read_only = xipc::shared_memory::open(name, xipc::access::read_only);
  xipc::shared_memory::remove(name);
  TypeParam link;
  ASSERT_FALSE(xipc::send_handles(link.near, xipc::handle_list{}.add(read_only), text("r"), 5s));
  xipc::received_handles in;
  std::array<std::byte, 1> byte{};
  ASSERT_FALSE(xipc::receive_handles(link.far, byte, in, 5s).error);
  auto region = in.take<xipc::shared_memory>(0);
  EXPECT_FALSE(region.writable());
  EXPECT_EQ(region.name(), name);
  EXPECT_EQ(region.write(0, text("no")), errc::permission_denied);
}

TYPED_TEST(handle_passing_over, the_sender_refuses_too_many_handles_and_closed_objects) {
  TypeParam link;
  auto pipe = xipc::make_pipe();
  xipc::handle_list many;
  for (std::size_t i = 0; i <= xipc::max_passed_handles; ++i) many.add(pipe.reader);
  EXPECT_EQ(xipc::send_handles(link.near, many, text("x"), 5s), errc::invalid_argument);
  xipc::pipe_reader closed;
  EXPECT_EQ(xipc::send_handles(link.near, xipc::handle_list{}.add(closed), text("x"), 5s), errc::invalid_argument);
  // Nothing was sent by either.
  xipc::received_handles in;
  std::array<std::byte, 1> byte{};
  EXPECT_EQ(xipc::receive_handles(link.far, byte, in, xipc::deadline::immediately()).error, errc::would_block);
}

TYPED_TEST(handle_passing_over, every_deadline_mode_on_an_empty_link_and_a_closed_peer) {
  TypeParam link;
  xipc::received_handles in;
  std::array<std::byte, 1> byte{};
  EXPECT_EQ(xipc::receive_handles(link.far, byte, in, xipc::deadline::immediately()).error, errc::would_block);
  EXPECT_EQ(xipc::receive_handles(link.far, byte, in, 20ms).error, errc::timed_out);
  if constexpr (!std::is_same_v<decltype(link.near), xipc::local_datagram>) {  // a datagram has no peer to close
    link.near.close();
    const auto ended = xipc::receive_handles(link.far, byte, in);
    const errc expected = std::is_same_v<TypeParam, message_pipe_pair> ? errc::peer_closed : errc::end_of_stream;
    EXPECT_EQ(ended.error, expected);
  }
}

// A message too big for the buffer: on a message link it stays and brings
// nothing yet; on a byte link the handles come, the buffer fills, and the
// rest of the bytes follow on the stream.
TYPED_TEST(handle_passing_over, a_buffer_too_small_for_the_message) {
  TypeParam link;
  auto pipe = xipc::make_pipe();
  ASSERT_FALSE(xipc::send_handles(link.near, xipc::handle_list{}.add(pipe.writer), text("twelve bytes"), 5s));
  ASSERT_FALSE(xipc::send_handles(link.near, {}, text("next"), 5s));
  xipc::received_handles in;
  std::array<std::byte, 5> small{};
  const auto refused = xipc::receive_handles(link.far, small, in, 5s);
  EXPECT_EQ(refused.error, errc::message_too_large);
  EXPECT_EQ(refused.bytes, 12u) << "the size it needs";
  constexpr bool bytes = std::is_same_v<TypeParam, byte_pipe_pair>
#if !XIPC_OS_WINDOWS
                         || std::is_same_v<TypeParam, stream_pair>
#endif
      ;
  if constexpr (bytes) {
    EXPECT_EQ(as_text(small), "twelv");
    EXPECT_EQ(in.size(), 1u);
    std::array<std::byte, 7> rest{};
    ASSERT_FALSE(xipc::read_exact(link.far, rest, 5s).error);
    EXPECT_EQ(as_text(rest), "e bytes");
  } else {
    EXPECT_EQ(in.size(), 0u);
    std::array<std::byte, 12> enough{};
    const auto got = xipc::receive_handles(link.far, enough, in, 5s);
    ASSERT_FALSE(got.error) << got.error.message();
    EXPECT_EQ(as_text(enough), "twelve bytes");
    ASSERT_EQ(in.size(), 1u);
    auto writer = in.take<xipc::pipe_writer>(0);
    EXPECT_FALSE(xipc::write_all(writer, text("w"), 5s).error);
  }
  std::array<std::byte, 8> buffer{};
  const auto second = xipc::receive_handles(link.far, buffer, in, 5s);
  ASSERT_FALSE(second.error) << second.error.message();
  EXPECT_EQ(as_text(std::span(buffer).first(second.bytes)), "next");
  EXPECT_EQ(in.size(), 0u);
}

#if !XIPC_OS_WINDOWS
// ---- POSIX: descriptors, control data, hand-made frames ---------------------------------------

TEST(handle_passing, untaken_handles_are_closed_with_the_list) {
  const std::size_t before = xipc::test::open_handle_count();
  {
    stream_pair link;
    auto pipe = xipc::make_pipe();
    ASSERT_FALSE(xipc::send_handles(link.near, xipc::handle_list{}.add(pipe.reader).add(pipe.writer), text("x"), 5s));
    xipc::received_handles in;
    std::array<std::byte, 1> byte{};
    ASSERT_FALSE(xipc::receive_handles(link.far, byte, in, 5s).error);
    EXPECT_EQ(in.size(), 2u);
    EXPECT_EQ(xipc::test::open_handle_count(), before + 6) << "two sockets, a pipe, and the pipe's two received ends";
  }
  EXPECT_EQ(xipc::test::open_handle_count(), before);
}

// ---- too small, truncated, corrupted ------------------------------------------------------

using xipc::test::frame_for;
using xipc::test::send_raw;

template <class Pair>
void more_handles_than_fit_are_reported_and_none_leaks() {
  Pair link;
  auto pipe = xipc::make_pipe();
  const std::vector<int> twenty(20, pipe.reader.native_handle());
  send_raw(link.near.native_handle(), frame_for(16, xipc::handle_kind::pipe_reader, 2), "hi", twenty);
  const std::size_t before = xipc::test::open_handle_count();
  xipc::received_handles in;
  std::array<std::byte, 8> buffer{};
  const auto got = xipc::receive_handles(link.far, buffer, in, 5s);
  EXPECT_EQ(got.error, errc::message_too_large) << "MSG_CTRUNC";
  EXPECT_EQ(in.size(), 0u);
  EXPECT_EQ(xipc::test::open_handle_count(), before) << "the 16 that arrived were closed";
  // The channel goes on.
  ASSERT_FALSE(xipc::send_handles(link.near, xipc::handle_list{}.add(pipe.writer), text("ok"), 5s));
  ASSERT_FALSE(xipc::receive_handles(link.far, buffer, in, 5s).error);
  EXPECT_EQ(in.size(), 1u);
}

TEST(handle_passing, truncated_control_data_on_a_datagram) {
  more_handles_than_fit_are_reported_and_none_leaks<datagram_pair>();
}
TEST(handle_passing, truncated_control_data_on_a_stream) { more_handles_than_fit_are_reported_and_none_leaks<stream_pair>(); }

TEST(handle_passing, frames_that_break_the_rules_are_corrupted_and_leak_nothing) {
  datagram_pair link;
  auto pipe = xipc::make_pipe();
  const int reader = pipe.reader.native_handle();
  const std::size_t before = xipc::test::open_handle_count();
  xipc::received_handles in;
  std::array<std::byte, 8> buffer{};

  // Not a frame at all.
  ASSERT_FALSE(link.near.send(text("plain datagram"), 5s));
  EXPECT_EQ(xipc::receive_handles(link.far, buffer, in, 5s).error, errc::corrupted);
  // A bad magic, with a descriptor riding along.
  auto bad_magic = frame_for(1, xipc::handle_kind::pipe_reader, 0);
  bad_magic.magic ^= 1;
  send_raw(link.near.native_handle(), bad_magic, "", {reader});
  EXPECT_EQ(xipc::receive_handles(link.far, buffer, in, 5s).error, errc::corrupted);
  // Two announced, one attached.
  send_raw(link.near.native_handle(), frame_for(2, xipc::handle_kind::pipe_reader, 0), "", {reader});
  EXPECT_EQ(xipc::receive_handles(link.far, buffer, in, 5s).error, errc::corrupted);
  // An unknown kind.
  send_raw(link.near.native_handle(), frame_for(1, xipc::handle_kind{99}, 0), "", {reader});
  EXPECT_EQ(xipc::receive_handles(link.far, buffer, in, 5s).error, errc::corrupted);
  // A shared_memory with no name.
  send_raw(link.near.native_handle(), frame_for(1, xipc::handle_kind::shared_memory, 0), "", {reader});
  EXPECT_EQ(xipc::receive_handles(link.far, buffer, in, 5s).error, errc::corrupted);
  EXPECT_EQ(in.size(), 0u);
  EXPECT_EQ(xipc::test::open_handle_count(), before);

  // A lie about the kind is found when the handle is taken.
  send_raw(link.near.native_handle(), frame_for(1, xipc::handle_kind::udp_socket, 0), "", {reader});
  ASSERT_FALSE(xipc::receive_handles(link.far, buffer, in, 5s).error);
  std::error_code ec;
  in.take<xipc::udp_socket>(0, ec);
  EXPECT_EQ(ec, errc::corrupted);
  EXPECT_EQ(xipc::test::open_handle_count(), before);
}

TEST(handle_passing, a_datagram_too_big_brings_no_descriptor_until_received) {
  datagram_pair link;
  auto pipe = xipc::make_pipe();
  ASSERT_FALSE(xipc::send_handles(link.near, xipc::handle_list{}.add(pipe.writer), text("twelve bytes"), 5s));
  const std::size_t before = xipc::test::open_handle_count();
  xipc::received_handles in;
  std::array<std::byte, 4> small{};
  EXPECT_EQ(xipc::receive_handles(link.far, small, in, 5s).error, errc::message_too_large);
  EXPECT_EQ(xipc::test::open_handle_count(), before) << "no descriptor was installed";
}
#endif

}  // namespace
