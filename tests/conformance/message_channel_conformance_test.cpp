// One suite of cases run over every message transport: a sending end and a
// receiving end that keep message boundaries. A transport joins by
// describing itself in a traits struct and adding it to `transports` below.
#include <gtest/gtest.h>
#include <xipc/detail/config.hpp>

#include <array>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>
#include <xipc/mailbox.hpp>
#include <xipc/named_pipe.hpp>
#include <xipc/port.hpp>
#include <xipc/ring_channel.hpp>
#include <xipc/sockets.hpp>

#include "support/local_sockets.hpp"
#include "support/object_names.hpp"
#include "support/peer_process.hpp"
#include "support/sequenced.hpp"

namespace {

using namespace std::chrono_literals;
using xipc::deadline;
using xipc::errc;
using xipc::test::peer_process;

// Message `sequence`, 1 to `max_bytes` bytes (not 0: a seqpacket named pipe cannot carry it).
std::vector<std::byte> message(std::uint64_t sequence, std::size_t max_bytes) {
  std::vector<std::byte> bytes(1 + xipc::test::sequenced_size(sequence, max_bytes - 1));
  xipc::test::fill_sequenced(bytes, sequence);
  return bytes;
}

bool is_message(std::span<const std::byte> got, std::uint64_t sequence, std::size_t max_bytes) {
  const auto expected = message(sequence, max_bytes);
  return got.size() == expected.size() && std::equal(got.begin(), got.end(), expected.begin());
}

// ---- the transports ----------------------------------------------------------------
// Each says how the receiver learns that no sender is left: a connected
// channel reports errc::peer_closed; a mailbox does not know its senders, so
// the receiver just times out on an empty mailbox (end_wait).

struct named_pipe_transport {
  static constexpr const char* name = "named_pipe_msg";
  static constexpr errc senders_gone = errc::peer_closed;
  static constexpr auto end_wait = 10s;
  static constexpr std::size_t max_message = 4096;
  static constexpr xipc::named_pipe_options options{.mode = xipc::pipe_mode::message, .max_message_bytes = max_message};
  struct pair {
    xipc::named_pipe_server server;
    xipc::named_pipe receiver;  // the server's end
    xipc::named_pipe sender;    // the client's end
  };
  static pair open(const std::string& unique) {
    pair connection;
    connection.server = xipc::named_pipe_server::create(unique, options);
    connection.sender = xipc::named_pipe::connect(unique, options, 1s);
    EXPECT_FALSE(connection.server.accept(connection.receiver, 1s));
    return connection;
  }
  static peer_process start_sender(pair& connection, const std::string& unique, const std::vector<std::string>& tail) {
    connection.sender.close();
    connection.receiver.close();
    std::vector<std::string> args{name, unique};
    args.insert(args.end(), tail.begin(), tail.end());
    auto sender = peer_process::start("conformance_message_sender", args);
    EXPECT_FALSE(connection.server.accept(connection.receiver, 10s));
    return sender;
  }
  static xipc::named_pipe sender_in_child(const std::string& endpoint) {
    return xipc::named_pipe::connect(endpoint, options, 10s);
  }
};

// A port: messages up to 256 B inline, the rest (most of these) through a
// 64 KiB section, so the section wraps and is given back thousands of times.
struct port_transport {
  static constexpr const char* name = "port";
  static constexpr errc senders_gone = errc::peer_closed;
  static constexpr auto end_wait = 10s;
  static constexpr std::size_t max_message = 4096;
  static constexpr xipc::port_options options{.inline_limit = 256, .section_bytes = 64 * 1024};
  static constexpr std::size_t oversize = options.section_bytes + 1;
  struct pair {
    xipc::port_server server;
    xipc::port receiver;  // the server's end
    xipc::port sender;    // the client's end
  };
  static pair open(const std::string& unique) {
    pair connection;
    connection.server = xipc::port_server::create(unique, options);
    std::thread client([&] { connection.sender = xipc::port::connect(unique, 5s); });
    EXPECT_FALSE(connection.server.accept(connection.receiver, 5s));
    client.join();
    return connection;
  }
  static peer_process start_sender(pair& connection, const std::string& unique, const std::vector<std::string>& tail) {
    connection.sender = {};
    connection.receiver = {};
    std::vector<std::string> args{name, unique};
    args.insert(args.end(), tail.begin(), tail.end());
    auto sender = peer_process::start("conformance_message_sender", args);
    EXPECT_FALSE(connection.server.accept(connection.receiver, 10s));
    return sender;
  }
  static xipc::port sender_in_child(const std::string& endpoint) { return xipc::port::connect(endpoint, 10s); }
};

struct ring_transport {
  static constexpr const char* name = "ring";
  static constexpr errc senders_gone = errc::peer_closed;
  static constexpr auto end_wait = 10s;
  static constexpr std::size_t max_message = 4096;
  static constexpr xipc::ring_options options{.capacity_bytes = 1 << 16, .max_message_bytes = max_message};
  struct pair {
    xipc::ring_channel::receiver receiver;
    xipc::ring_channel::sender sender;
    std::string name;
    pair() = default;
    pair(pair&&) = default;
    ~pair() {
      std::error_code ignored;
      if (!name.empty()) xipc::ring_channel::remove(name, ignored);
    }
  };
  static pair open(const std::string& unique) {
    pair connection;
    connection.name = unique;
    connection.sender = xipc::ring_channel::sender::open_or_create(unique, options);
    connection.receiver = xipc::ring_channel::receiver::open(unique);
    return connection;
  }
  static peer_process start_sender(pair& connection, const std::string& unique, const std::vector<std::string>& tail) {
    // The child creates the channel anew: a receiver would take this process's
    // detached sender for the end of the channel.
    connection.sender = {};
    connection.receiver = {};
    xipc::ring_channel::remove(unique);
    std::vector<std::string> args{name, unique};
    args.insert(args.end(), tail.begin(), tail.end());
    auto sender = peer_process::start("conformance_message_sender", args);
    const auto give_up = std::chrono::steady_clock::now() + 10s;
    std::error_code ec;
    do {
      std::this_thread::sleep_for(1ms);
      connection.receiver = xipc::ring_channel::receiver::open(unique, {}, ec);
    } while (ec == errc::not_found && std::chrono::steady_clock::now() < give_up);
    EXPECT_FALSE(ec) << ec.message();
    return sender;
  }
  static xipc::ring_channel::sender sender_in_child(const std::string& endpoint) {
    return xipc::ring_channel::sender::open_or_create(endpoint, options);
  }
};

template <xipc::mailbox_backend Backend>
struct mailbox_transport {
  static constexpr const char* name = Backend == xipc::mailbox_backend::shm        ? "mailbox_shm"
                                      : Backend == xipc::mailbox_backend::posix_mq ? "mailbox_posix_mq"
                                                                                   : "mailbox_sysv";
  static constexpr errc senders_gone = errc::timed_out;
  static constexpr auto end_wait = 300ms;
  // SysV bounds a queue in bytes, by default to /proc/sys/kernel/msgmnb (16384): 10 x 1 KiB fits.
  static constexpr std::size_t max_message = Backend == xipc::mailbox_backend::sysv ? 1024 : 4096;
  static constexpr xipc::mailbox_options options{.capacity = 10, .max_message_bytes = max_message, .backend = Backend};
  // A POSIX queue dequeues only into a buffer of its whole message size, so
  // the size it asks for is that, not the message's (docs/mailbox.md).
  static std::size_t size_needed(std::size_t message_bytes) {
    return Backend == xipc::mailbox_backend::posix_mq ? max_message : message_bytes;
  }
  struct pair {
    xipc::mailbox receiver;
    xipc::mailbox sender;
    std::string name;
    pair() = default;
    pair(pair&&) = default;
    ~pair() {
      std::error_code ignored;
      if (!name.empty()) xipc::mailbox::remove(name, ignored);
    }
  };
  static pair open(const std::string& unique) {
    pair connection;
    connection.name = unique;
    connection.receiver = xipc::mailbox::create(unique, options);
    connection.sender = xipc::mailbox::open(unique);
    return connection;
  }
  static peer_process start_sender(pair& connection, const std::string& unique, const std::vector<std::string>& tail) {
    connection.sender = {};
    std::vector<std::string> args{name, unique};
    args.insert(args.end(), tail.begin(), tail.end());
    return peer_process::start("conformance_message_sender", args);
  }
  static xipc::mailbox sender_in_child(const std::string& endpoint) { return xipc::mailbox::open(endpoint); }
};
using mailbox_shm_transport = mailbox_transport<xipc::mailbox_backend::shm>;
using mailbox_posix_mq_transport = mailbox_transport<xipc::mailbox_backend::posix_mq>;
using mailbox_sysv_transport = mailbox_transport<xipc::mailbox_backend::sysv>;

// A Unix-domain datagram socket: bound by the receiver (abstract name), connected by the sender.
struct local_datagram_transport {
  static constexpr const char* name = "local_datagram";
  static constexpr errc senders_gone = errc::timed_out;  // datagram sockets do not know their senders
  static constexpr auto end_wait = 300ms;
  static constexpr std::size_t max_message = 4096;
  // A datagram socket's own limit is its send buffer (SO_SNDBUF, about 208 KiB here).
  static constexpr std::size_t oversize = 4 << 20;
  struct pair {
    xipc::local_datagram receiver;
    xipc::local_datagram sender;
  };
  static pair open(const std::string& unique) {
    pair connection;
    connection.receiver = xipc::local_datagram::bind(xipc::endpoint::abstract(unique));
    connection.sender = xipc::local_datagram::connect(connection.receiver.local_endpoint());
    return connection;
  }
  static peer_process start_sender(pair& connection, const std::string&, const std::vector<std::string>& tail) {
    connection.sender = {};
    std::vector<std::string> args{name, connection.receiver.local_endpoint().to_string()};
    args.insert(args.end(), tail.begin(), tail.end());
    return peer_process::start("conformance_message_sender", args);
  }
  static xipc::local_datagram sender_in_child(const std::string& endpoint) {
    return xipc::local_datagram::connect(xipc::endpoint::parse(endpoint));
  }
  // Why this OS cannot run the transport, or "" (Wine has no AF_UNIX).
  static std::string missing() { return xipc::test::local_sockets_missing<xipc::local_datagram>(); }
};

// A message too large for the transport: one byte over the maximum, unless the transport says otherwise.
// The size a receive with too small a buffer reports: the message's, unless the transport says otherwise.
template <class Transport>
std::size_t size_needed_for(std::size_t message_bytes) {
  if constexpr (requires { Transport::size_needed(message_bytes); }) {
    return Transport::size_needed(message_bytes);
  } else {
    return message_bytes;
  }
}

template <class Transport>
constexpr std::size_t oversize_of() {
  if constexpr (requires { Transport::oversize; }) {
    return Transport::oversize;
  } else {
    return Transport::max_message + 1;
  }
}

// Sends messages 0..count-1 (count 0: forever) into the sender that `endpoint` names.
template <class Transport>
int send_messages(const std::string& endpoint, std::uint64_t count) {
  auto sender = Transport::sender_in_child(endpoint);
  for (std::uint64_t sequence = 0; count == 0 || sequence < count; ++sequence) {
    if (sender.send(message(sequence, Transport::max_message), 30s)) return 1;
  }
  return 0;
}

XIPC_TEST_ROLE(conformance_message_sender) {
  // args: transport endpoint count
  if (args.size() != 3) return 2;
  const std::string transport = args[0];
  const std::uint64_t count = std::strtoull(args[2], nullptr, 10);
  if (transport == named_pipe_transport::name) return send_messages<named_pipe_transport>(args[1], count);
  if (transport == ring_transport::name) return send_messages<ring_transport>(args[1], count);
  if (transport == port_transport::name) return send_messages<port_transport>(args[1], count);
  if (transport == mailbox_shm_transport::name) return send_messages<mailbox_shm_transport>(args[1], count);
  if (transport == local_datagram_transport::name) return send_messages<local_datagram_transport>(args[1], count);
#if !XIPC_OS_WINDOWS
  if (transport == mailbox_posix_mq_transport::name) return send_messages<mailbox_posix_mq_transport>(args[1], count);
  if (transport == mailbox_sysv_transport::name) return send_messages<mailbox_sysv_transport>(args[1], count);
#endif
  return 3;
}

// ---- the cases ---------------------------------------------------------------------

template <class Transport>
class message_channel_conformance : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::string why = xipc::test::transport_missing<Transport>(); !why.empty()) GTEST_SKIP() << why;
  }
  typename Transport::pair open() { return Transport::open(unique_); }
  std::string unique_ = xipc::test::unique_name("conf");
  static constexpr std::size_t max = Transport::max_message;
};

#if XIPC_OS_WINDOWS
using transports = ::testing::Types<named_pipe_transport, port_transport, ring_transport, mailbox_shm_transport,
                                    local_datagram_transport>;
TEST(message_channel_conformance_windows, posix_queues) {
  GTEST_SKIP() << "mailbox_posix_mq and mailbox_sysv: Windows has no POSIX or System V queues";
}
#else
using transports = ::testing::Types<named_pipe_transport, port_transport, ring_transport, mailbox_shm_transport,
                                    mailbox_posix_mq_transport, mailbox_sysv_transport, local_datagram_transport>;
#endif

struct transport_names {
  template <class T>
  static std::string GetName(int) {
    return T::name;
  }
};
TYPED_TEST_SUITE(message_channel_conformance, transports, transport_names);

TYPED_TEST(message_channel_conformance, messages_arrive_whole_and_in_order) {
  auto connection = this->open();
  constexpr std::uint64_t count = 2000;
  std::thread sender([&] {
    for (std::uint64_t sequence = 0; sequence < count; ++sequence) {
      ASSERT_FALSE(connection.sender.send(message(sequence, this->max), 10s)) << sequence;
    }
  });
  std::vector<std::byte> buffer(this->max);
  for (std::uint64_t sequence = 0; sequence < count; ++sequence) {
    const auto got = connection.receiver.receive(buffer, 10s);
    ASSERT_FALSE(got.error) << sequence << ": " << got.error.message();
    ASSERT_TRUE(is_message({buffer.data(), got.bytes}, sequence, this->max)) << sequence;
  }
  sender.join();
}

TYPED_TEST(message_channel_conformance, a_buffer_too_small_reports_the_size_and_the_message_stays) {
  auto connection = this->open();
  const auto sent = message(3, this->max);
  ASSERT_FALSE(connection.sender.send(sent, 1s));
  std::vector<std::byte> small(sent.size() - 1);
  const auto refused = connection.receiver.receive(small, 1s);
  EXPECT_EQ(refused.error, errc::message_too_large);
  EXPECT_EQ(refused.bytes, size_needed_for<TypeParam>(sent.size()));
  std::vector<std::byte> buffer(this->max);
  const auto got = connection.receiver.receive(buffer, 1s);
  ASSERT_FALSE(got.error);
  EXPECT_TRUE(is_message({buffer.data(), got.bytes}, 3, this->max));
}

TYPED_TEST(message_channel_conformance, an_oversize_message_is_refused_and_nothing_is_sent) {
  auto connection = this->open();
  EXPECT_EQ(connection.sender.send(std::vector<std::byte>(oversize_of<TypeParam>()), 1s), errc::message_too_large);
  std::vector<std::byte> buffer(oversize_of<TypeParam>());
  EXPECT_EQ(connection.receiver.try_receive(buffer).error, errc::would_block);
}

TYPED_TEST(message_channel_conformance, every_deadline_mode_on_an_empty_channel) {
  auto connection = this->open();
  std::vector<std::byte> buffer(this->max);
  EXPECT_EQ(connection.receiver.try_receive(buffer).error, errc::would_block);
  EXPECT_EQ(connection.receiver.receive(buffer, deadline::immediately()).error, errc::would_block);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(connection.receiver.receive(buffer, 20ms).error, errc::timed_out);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 20ms);
  std::thread later([&] {
    std::this_thread::sleep_for(20ms);
    EXPECT_FALSE(connection.sender.send(message(1, this->max), 1s));
  });
  const auto got = connection.receiver.receive(buffer, deadline::forever());
  later.join();
  EXPECT_FALSE(got.error);
}

TYPED_TEST(message_channel_conformance, a_full_channel_would_block_then_times_out) {
  auto connection = this->open();
  const std::vector<std::byte> big(this->max, std::byte{1});
  std::error_code ec;
  for (int i = 0; i < 100000 && !(ec = connection.sender.try_send(big)); ++i) {
  }
  EXPECT_EQ(ec, errc::would_block);
  EXPECT_EQ(connection.sender.send(big, 10ms), errc::timed_out);
}

TYPED_TEST(message_channel_conformance, the_receiver_drains_then_sees_the_sender_gone) {
  auto connection = this->open();
  ASSERT_FALSE(connection.sender.send(message(9, this->max), 1s));
  connection.sender = {};
  std::vector<std::byte> buffer(this->max);
  EXPECT_FALSE(connection.receiver.receive(buffer, 1s).error) << "what was sent still arrives";
  EXPECT_EQ(connection.receiver.receive(buffer, TypeParam::end_wait).error, TypeParam::senders_gone);
}

TYPED_TEST(message_channel_conformance, messages_from_another_process_intact) {
  // Wine's pipes and processes are slow (a message-mode pipe message costs
  // about 300 us there): fewer messages, the same checks.
  const std::uint64_t count = xipc::test::running_under_wine() ? 20000 : 100000;
  auto connection = this->open();
  auto sender = TypeParam::start_sender(connection, this->unique_, {std::to_string(count)});
  std::vector<std::byte> buffer(this->max);
  for (std::uint64_t sequence = 0; sequence < count; ++sequence) {
    const auto got = connection.receiver.receive(buffer, 30s);
    ASSERT_FALSE(got.error) << sequence << ": " << got.error.message();
    ASSERT_TRUE(is_message({buffer.data(), got.bytes}, sequence, this->max)) << sequence;
  }
  EXPECT_EQ(sender.wait(), 0);
  EXPECT_EQ(connection.receiver.receive(buffer, TypeParam::end_wait).error, TypeParam::senders_gone);
}

TYPED_TEST(message_channel_conformance, a_sender_killed_mid_stream_leaves_only_whole_messages) {
  auto connection = this->open();
  auto sender = TypeParam::start_sender(connection, this->unique_, {"0"});
  std::vector<std::byte> buffer(this->max);
  std::uint64_t sequence = 0;
  for (;; ++sequence) {
    const auto got = connection.receiver.receive(buffer, sequence > 5000 ? TypeParam::end_wait : 30s);
    if (got.error) {
      EXPECT_EQ(got.error, TypeParam::senders_gone) << got.error.message();
      break;
    }
    ASSERT_TRUE(is_message({buffer.data(), got.bytes}, sequence, this->max)) << sequence;
    if (sequence == 5000) sender.kill();
  }
  EXPECT_GT(sequence, 5000u);
}

}  // namespace
