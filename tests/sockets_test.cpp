#include <xipc/sockets.hpp>

#include <gtest/gtest.h>
#include <xipc/detail/config.hpp>
#include <xipc/io.hpp>
#if XIPC_OS_WINDOWS
#include <winsock2.h>
// winsock2.h first: afunix.h needs its types.
#include <afunix.h>
#include <windows.h>
#else
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#endif

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "support/local_sockets.hpp"
#include "support/handles.hpp"
#include "support/object_names.hpp"
#include "support/peer_process.hpp"

namespace {

using namespace std::chrono_literals;
using xipc::deadline;
using xipc::endpoint;
using xipc::errc;

std::span<const std::byte> text(std::string_view s) { return std::as_bytes(std::span(s.data(), s.size())); }

// A listener on a port the OS picks, and one connection to it.
template <class Listener, class Stream>
struct connected {
  Listener listener;
  Stream client;
  Stream server;
  explicit connected(const endpoint& where) : listener(Listener::listen(where)) {
    client = Stream::connect(listener.local_endpoint(), 5s);
    EXPECT_FALSE(listener.accept(server, 5s));
  }
};

std::string abstract_name(std::string_view label) { return "unix:@" + xipc::test::unique_name(label); }

// Makes the next close of `stream` abortive: the peer gets a reset (RST), not an end of stream.
void reset_on_close(xipc::tcp_stream& stream) {
  const linger abort_on_close{1, 0};
#if XIPC_OS_WINDOWS
  ::setsockopt(reinterpret_cast<SOCKET>(stream.native_handle()), SOL_SOCKET, SO_LINGER,
               reinterpret_cast<const char*>(&abort_on_close), sizeof abort_on_close);
#else
  ::setsockopt(stream.native_handle(), SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof abort_on_close);
#endif
}

// A socket file that nobody listens on, as a crashed server leaves it.
void leave_stale_socket_file(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  path.copy(address.sun_path, sizeof address.sun_path - 1);
#if XIPC_OS_WINDOWS
  const SOCKET socket = ::socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_EQ(::bind(socket, reinterpret_cast<const sockaddr*>(&address), sizeof address), 0);
  ::closesocket(socket);
#else
  const int socket = ::socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_EQ(::bind(socket, reinterpret_cast<const sockaddr*>(&address), sizeof address), 0);
  ::close(socket);
#endif
}

#define SKIP_WITHOUT(socket_type)                                                              \
  if (const std::string& missing = xipc::test::local_sockets_missing<socket_type>(); !missing.empty()) \
  GTEST_SKIP() << missing

TEST(tcp, a_stream_on_ipv4_and_ipv6_loopback) {
  for (const auto& where : {endpoint::loopback_v4(0), endpoint::loopback_v6(0)}) {
    connected<xipc::tcp_listener, xipc::tcp_stream> link(where);
    EXPECT_NE(link.listener.local_endpoint().port(), 0) << "the OS picked a port";
    EXPECT_EQ(link.client.peer_endpoint(), link.listener.local_endpoint());
    EXPECT_FALSE(xipc::write_all(link.client, text("Greetings"), 1s).error);
    std::array<std::byte, 9> got{};
    EXPECT_FALSE(xipc::read_exact(link.server, got, 1s).error);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(got.data()), got.size()), "Greetings");
  }
}

TEST(tcp, connection_refused_is_not_found) {
  std::uint16_t free_port = 0;
  {
    auto probe = xipc::tcp_listener::listen(endpoint::loopback_v4(0));
    free_port = probe.local_endpoint().port();
  }
  std::error_code ec;
  xipc::tcp_stream::connect(endpoint::loopback_v4(free_port), 1s, ec);
  EXPECT_EQ(ec, errc::not_found);
  try {
    xipc::tcp_stream::connect(endpoint::loopback_v4(free_port), 1s);
    ADD_FAILURE() << "connected to nobody";
  } catch (const std::system_error& error) {
    EXPECT_NE(std::string(error.what()).find("connection refused"), std::string::npos) << error.what();
  }
}

TEST(tcp, a_local_endpoint_is_refused_with_its_reason) {
  std::error_code ec;
  xipc::tcp_stream::connect(endpoint::parse("unix:/tmp/x"), 1s, ec);
  EXPECT_EQ(ec, errc::invalid_argument);
  xipc::local_stream::connect(endpoint::loopback_v4(1), 1s, ec);
  EXPECT_EQ(ec, errc::invalid_argument);
}

TEST(tcp, a_busy_port_is_already_exists) {
  auto first = xipc::tcp_listener::listen(endpoint::loopback_v4(0));
  std::error_code ec;
  xipc::tcp_listener::listen(first.local_endpoint(), ec);
  EXPECT_EQ(ec, errc::already_exists);
}

TEST(tcp, half_close_then_reset) {
  connected<xipc::tcp_listener, xipc::tcp_stream> link(endpoint::loopback_v4(0));
  ASSERT_FALSE(xipc::write_all(link.client, text("bye"), 1s).error);
  ASSERT_FALSE(link.client.shutdown_write());
  std::array<std::byte, 16> buffer{};
  EXPECT_EQ(link.server.read_some(buffer, 1s).bytes, 3u);
  EXPECT_EQ(link.server.read_some(buffer, 1s).error, errc::end_of_stream) << "the client's half is closed";
  EXPECT_FALSE(xipc::write_all(link.server, text("ok"), 1s).error) << "the server's half still works";
  EXPECT_EQ(link.client.read_some(buffer, 1s).bytes, 2u);
  // An abortive close (RST) ends the other side's writes with peer_closed.
  reset_on_close(link.client);
  link.client.close();
  std::this_thread::sleep_for(20ms);
  std::error_code written;
  for (int i = 0; i < 100 && !written; ++i) written = link.server.write_some(text("more"), 1s).error;
  EXPECT_EQ(written, errc::peer_closed);
}

TEST(tcp, every_deadline_mode_and_a_full_socket_buffer) {
  connected<xipc::tcp_listener, xipc::tcp_stream> link(endpoint::loopback_v4(0));
  std::array<std::byte, 16> buffer{};
  EXPECT_EQ(link.server.read_some(buffer, deadline::immediately()).error, errc::would_block);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(link.server.read_some(buffer, 20ms).error, errc::timed_out);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 20ms);
  // Nobody reads: the socket buffers fill, and a write then moves part or nothing.
  const std::vector<std::byte> chunk(1 << 16);
  std::size_t written = 0;
  for (;;) {
    const auto put = link.client.write_some(chunk, deadline::immediately());
    written += put.bytes;
    if (put.error) {
      EXPECT_EQ(put.error, errc::would_block);
      break;
    }
  }
  EXPECT_GT(written, 0u);
  EXPECT_EQ(link.client.write_some(chunk, 20ms).error, errc::timed_out);
  std::vector<std::byte> drained(written);
  EXPECT_FALSE(xipc::read_exact(link.server, drained, 5s).error) << "every byte written arrives";
}

TEST(tcp, a_listener_serves_many_sequential_and_concurrent_connections) {
  auto listener = xipc::tcp_listener::listen(endpoint::loopback_v4(0));
  const auto where = listener.local_endpoint();
  std::thread server([&] {
    for (int i = 0; i < 10100; ++i) {
      xipc::tcp_stream connection;
      ASSERT_FALSE(listener.accept(connection, 10s)) << i;
      std::array<std::byte, 1> byte{};
      ASSERT_FALSE(xipc::read_exact(connection, byte, 10s).error);
      ASSERT_FALSE(xipc::write_all(connection, byte, 10s).error);
    }
  });
  auto round_trip = [&](std::byte value) {
    auto client = xipc::tcp_stream::connect(where, 10s);
    std::array<std::byte, 1> byte{value};
    EXPECT_FALSE(xipc::write_all(client, byte, 10s).error);
    EXPECT_FALSE(xipc::read_exact(client, byte, 10s).error);
    EXPECT_EQ(byte[0], value);
  };
  for (int i = 0; i < 10000; ++i) round_trip(static_cast<std::byte>(i));
  std::vector<std::thread> concurrent;
  for (int i = 0; i < 100; ++i) concurrent.emplace_back(round_trip, static_cast<std::byte>(i));
  for (auto& client : concurrent) client.join();
  server.join();
}

TEST(local_stream, by_path_and_by_abstract_name_with_peer_credentials) {
  SKIP_WITHOUT(xipc::local_stream);
  const std::string path = (std::filesystem::temp_directory_path() / (xipc::test::unique_name("ls") + ".sock")).string();
  {
    connected<xipc::local_listener, xipc::local_stream> by_path(endpoint::local(path));
    EXPECT_TRUE(std::filesystem::exists(path));
    const auto who = by_path.server.credentials();
    EXPECT_EQ(who.pid, xipc::test::this_process_id());
#if !XIPC_OS_WINDOWS  // Windows reports the pid only
    EXPECT_EQ(who.uid, ::getuid());
    EXPECT_EQ(who.gid, ::getgid());
#endif
    if (XIPC_HAS_ABSTRACT_SOCKETS) {
      connected<xipc::local_listener, xipc::local_stream> by_name(endpoint::parse(abstract_name("ls")));
      EXPECT_FALSE(xipc::write_all(by_name.client, text("hi"), 1s).error);
      std::array<std::byte, 2> got{};
      EXPECT_FALSE(xipc::read_exact(by_name.server, got, 1s).error);
    } else {
      // No abstract namespace here (macOS): refused, saying so, not bound to some other name.
      std::error_code error;
      static_cast<void>(xipc::local_listener::listen(endpoint::parse(abstract_name("ls")), error));
      EXPECT_EQ(error, errc::not_supported);
    }
  }
  EXPECT_FALSE(std::filesystem::exists(path)) << "the listener removed its socket file";
}

#if XIPC_OS_WINDOWS
TEST(local_stream, a_listener_that_allows_only_some_uids_refuses_everyone_on_windows) {
  SKIP_WITHOUT(xipc::local_stream);
  const std::string path = (std::filesystem::temp_directory_path() / (xipc::test::unique_name("uid") + ".sock")).string();
  auto listener = xipc::local_listener::listen(endpoint::local(path));
  std::vector<std::string> log;
  listener.allow_only_uids({0}, [&log](std::string_view line) { log.emplace_back(line); });
  auto client = xipc::local_stream::connect(listener.local_endpoint(), 5s);
  xipc::local_stream connection;
  EXPECT_EQ(listener.accept(connection, 200ms), errc::timed_out) << "the connection is not handed out";
  ASSERT_EQ(log.size(), 1u);
  EXPECT_NE(log[0].find("reports no uid"), std::string::npos) << log[0];
}
#else
// Connects to args[0] as the user args[1] (set first, so root only), sends
// one byte, and reports how the server answered: 0 when it read the server's
// "ok", 1 when the connection was closed unanswered.
XIPC_TEST_ROLE(connect_as_uid) {
  const auto uid = static_cast<uid_t>(std::stoul(args[1]));
  if (uid != ::getuid() && (::setgid(uid) != 0 || ::setuid(uid) != 0)) return 3;
  std::error_code ec;
  auto connection = xipc::local_stream::connect(endpoint::parse(args[0]), 5s, ec);
  if (ec) return 2;
  static_cast<void>(xipc::write_all(connection, text("?"), 5s));
  std::array<std::byte, 2> answer{};
  return xipc::read_exact(connection, answer, 5s).error ? 1 : 0;
}

TEST(local_stream, a_listener_that_allows_only_some_uids_refuses_the_rest_with_a_logged_reason) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to start a peer as another user (uid 65534)";
  if (!XIPC_HAS_ABSTRACT_SOCKETS) GTEST_SKIP() << "no abstract Unix-domain names on this system";
  const endpoint where = endpoint::parse(abstract_name("uids"));
  auto listener = xipc::local_listener::listen(where);
  std::vector<std::string> log;
  listener.allow_only_uids({::getuid()}, [&log](std::string_view line) { log.emplace_back(line); });

  auto stranger = xipc::test::peer_process::start("connect_as_uid", {where.to_string(), "65534"});
  xipc::local_stream connection;
  EXPECT_EQ(listener.accept(connection, 1s), errc::timed_out) << "the refused connection is not handed out";
  EXPECT_EQ(stranger.wait(10s), 1) << "the stranger's connection was closed unanswered";
  ASSERT_EQ(log.size(), 1u);
  EXPECT_NE(log[0].find("uid 65534 gid 65534"), std::string::npos) << log[0];
  EXPECT_NE(log[0].find("uid not in {" + std::to_string(::getuid()) + "}"), std::string::npos) << log[0];
  EXPECT_NE(log[0].find(where.to_string()), std::string::npos) << log[0];

  auto friend_process = xipc::test::peer_process::start("connect_as_uid", {where.to_string(), std::to_string(::getuid())});
  ASSERT_FALSE(listener.accept(connection, 10s));
  EXPECT_EQ(connection.credentials().uid, ::getuid());
  std::array<std::byte, 1> question{};
  EXPECT_FALSE(xipc::read_exact(connection, question, 5s).error);
  EXPECT_FALSE(xipc::write_all(connection, text("ok"), 5s).error);
  EXPECT_EQ(friend_process.wait(10s), 0);
  EXPECT_EQ(log.size(), 1u);
}
#endif

TEST(local_stream, a_stale_socket_file_is_replaced_a_live_one_is_not) {
  SKIP_WITHOUT(xipc::local_stream);
  const std::string path = (std::filesystem::temp_directory_path() / (xipc::test::unique_name("st") + ".sock")).string();
  leave_stale_socket_file(path);
  ASSERT_TRUE(std::filesystem::exists(path));
  {
    auto replaced = xipc::local_listener::listen(endpoint::local(path));
    EXPECT_TRUE(replaced.is_open());
    std::error_code ec;
    xipc::local_listener::listen(endpoint::local(path), ec);
    EXPECT_EQ(ec, errc::already_exists) << "a live listener's file is not replaced";
  }
  EXPECT_FALSE(std::filesystem::exists(path)) << "the listener removed the file it replaced";
}

#if !XIPC_OS_WINDOWS
// Paths in the temporary directory, removed when the test ends.
struct temporary_paths {
  std::string make(const std::string& label) {
    return paths.emplace_back((std::filesystem::temp_directory_path() / (xipc::test::unique_name(label) + ".sock")).string());
  }
  ~temporary_paths() {
    for (const auto& path : paths) {
      std::error_code ignored;
      std::filesystem::remove(path, ignored);
    }
  }
  std::vector<std::string> paths;
};

TEST(local_stream, a_file_that_is_no_socket_is_already_exists_and_left_alone) {
  temporary_paths paths;
  const std::string path = paths.make("file");
  { std::ofstream(path) << "precious"; }
  try {
    xipc::local_listener::listen(endpoint::local(path));
    ADD_FAILURE() << "listened over a regular file";
  } catch (const std::system_error& error) {
    EXPECT_EQ(error.code(), errc::already_exists);
    EXPECT_NE(std::string(error.what()).find("a regular file"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find(path), std::string::npos) << error.what();
  }
  std::error_code ec;
  xipc::local_datagram::bind(endpoint::local(path), ec);
  EXPECT_EQ(ec, errc::already_exists);
  std::string kept;
  std::getline(std::ifstream(path), kept);
  EXPECT_EQ(kept, "precious") << "the file is still there, unchanged";
}

TEST(local_stream, socket_files_get_the_permissions_asked_for_whatever_the_umask) {
  temporary_paths paths;
  auto mode_of = [](const std::string& path) {
    struct stat info {};
    ::lstat(path.c_str(), &info);
    return info.st_mode & 07777;
  };
  const mode_t saved = ::umask(0);
  {
    const std::string path = paths.make("mode");
    auto listener = xipc::local_listener::listen(endpoint::local(path));
    EXPECT_EQ(mode_of(path), 0600u) << "owner-only under umask 0";
  }
  {
    const std::string path = paths.make("dgram");
    auto socket = xipc::local_datagram::bind(endpoint::local(path));
    EXPECT_EQ(mode_of(path), 0600u) << "owner-only under umask 0";
  }
  ::umask(077);
  {
    const std::string path = paths.make("group");
    auto listener = xipc::local_listener::listen(endpoint::local(path), xipc::permissions::owner_and_group());
    EXPECT_EQ(mode_of(path), 0660u) << "widened as asked despite umask 077";
  }
  ::umask(saved);
}

TEST(local_stream, a_live_socket_bound_by_another_spelling_of_its_path_is_not_replaced) {
  temporary_paths paths;
  const std::filesystem::path path = paths.make("spelling");
  const auto saved = std::filesystem::current_path();
  std::filesystem::current_path(path.parent_path());
  std::error_code ec;
  auto live = xipc::local_listener::listen(endpoint::local(path.filename().string()), ec);  // relative
  std::filesystem::current_path(saved);
  ASSERT_FALSE(ec) << ec.message();
  xipc::local_listener::listen(endpoint::local(path.string()), ec);  // the same file, spelled absolutely
  EXPECT_EQ(ec, errc::already_exists);
  EXPECT_TRUE(std::filesystem::exists(path)) << "the live server's socket file is still there";
}

TEST(local_stream, a_refused_second_listener_leaves_the_live_one_no_phantom_connection) {
  temporary_paths paths;
  const std::string path = paths.make("phantom");
  auto live = xipc::local_listener::listen(endpoint::local(path));
  std::error_code ec;
  xipc::local_listener::listen(endpoint::local(path), ec);
  EXPECT_EQ(ec, errc::already_exists);
  xipc::local_stream connection;
  EXPECT_EQ(live.accept(connection, 200ms), errc::timed_out) << "nobody connected, so nothing is accepted";
}
#endif

TEST(local_datagram, bound_and_connected_with_boundaries_kept) {
  SKIP_WITHOUT(xipc::local_datagram);
  if (!XIPC_OS_LINUX) GTEST_SKIP() << "the unbound sender's answer needs Linux's autobind";
  auto receiver = xipc::local_datagram::bind(endpoint::parse(abstract_name("dg")));
  auto sender = xipc::local_datagram::connect(receiver.local_endpoint());
  ASSERT_FALSE(sender.send(text("one"), 1s));
  ASSERT_FALSE(sender.send(text("three"), 1s));
  std::array<std::byte, 2> small{};
  const auto refused = receiver.receive(small, 1s);
  EXPECT_EQ(refused.error, errc::message_too_large);
  EXPECT_EQ(refused.bytes, 3u);
  std::array<std::byte, 16> buffer{};
  endpoint from;
  const auto got = receiver.receive_from(buffer, from, 1s);
  EXPECT_EQ(got.bytes, 3u) << "the message stayed";
  EXPECT_EQ(from, sender.local_endpoint()) << "the sender has an autobind name to answer";
  EXPECT_FALSE(receiver.send_to(text("reply"), from, 1s));
  EXPECT_EQ(sender.receive(buffer, 1s).bytes, 5u);
  EXPECT_EQ(receiver.receive(buffer, 1s).bytes, 5u);
}

TEST(udp, send_to_receive_from_and_connected_mode) {
  auto a = xipc::udp_socket::bind(endpoint::loopback_v4(0));
  auto b = xipc::udp_socket::bind(endpoint::loopback_v4(0));
  ASSERT_FALSE(a.send_to(text("ping"), b.local_endpoint(), 1s));
  std::array<std::byte, 64> buffer{};
  endpoint from;
  const auto got = b.receive_from(buffer, from, 1s);
  EXPECT_EQ(got.bytes, 4u);
  EXPECT_EQ(from, a.local_endpoint());
  ASSERT_FALSE(b.connect_to(from));
  ASSERT_FALSE(b.send(text("pong!"), 1s));
  EXPECT_EQ(a.receive(buffer, 1s).bytes, 5u);
  EXPECT_EQ(a.receive(buffer, 20ms).error, errc::timed_out);
  EXPECT_EQ(a.try_receive(buffer).error, errc::would_block);
  EXPECT_EQ(b.send(std::vector<std::byte>(65508), 1s), errc::message_too_large);
}

TEST(udp, an_empty_datagram_a_datagram_too_large_for_the_buffer_and_an_unshared_port) {
  auto a = xipc::udp_socket::bind(endpoint::loopback_v4(0));
  auto b = xipc::udp_socket::connect(a.local_endpoint());
  ASSERT_FALSE(b.send({}, 1s));
  ASSERT_FALSE(b.send(text("after"), 1s));
  std::array<std::byte, 8> buffer{};
  const auto empty = a.receive(buffer, 1s);
  EXPECT_FALSE(empty.error) << empty.error.message();
  EXPECT_EQ(empty.bytes, 0u);
  std::array<std::byte, 2> small{};
  const auto refused = a.receive(small, 1s);
  EXPECT_EQ(refused.error, errc::message_too_large);
  EXPECT_EQ(refused.bytes, 5u) << "the size of the datagram that did not fit";
  EXPECT_EQ(a.receive(buffer, 1s).bytes, 5u) << "it stayed, and comes next";
  std::error_code ec;
  xipc::udp_socket::bind(a.local_endpoint(), ec);
  EXPECT_EQ(ec, errc::already_exists) << "a second socket does not share the port";
}

}  // namespace
