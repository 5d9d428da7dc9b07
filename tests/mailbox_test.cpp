#include <xipc/mailbox.hpp>

#include <gtest/gtest.h>
#include <xipc/detail/config.hpp>
#include <xipc/shared_memory.hpp>

#include <algorithm>
#include <array>
#include <csignal>
#include <utility>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "mailbox/mailbox_layout.hpp"
#include "sync/process_lock.hpp"
#include "support/object_names.hpp"
#include "support/peer_process.hpp"
#include "support/raw_region.hpp"

namespace {

using namespace std::chrono_literals;
using xipc::deadline;
using xipc::errc;
using xipc::mailbox;
using xipc::mailbox_backend;
using xipc::mailbox_options;
using xipc::test::peer_process;

// SysV bounds a queue in bytes, by default to /proc/sys/kernel/msgmnb
// (16384): every case keeps capacity x max_message_bytes within it.
constexpr std::size_t small_max = 512;

mailbox_options options_for(mailbox_backend backend, std::size_t capacity = 10, std::size_t max = small_max) {
  return {.capacity = capacity, .max_message_bytes = max, .backend = backend};
}

std::span<const std::byte> bytes_of(const std::uint64_t& value) { return std::as_bytes(std::span{&value, 1}); }

std::uint64_t value_of(std::span<const std::byte> bytes) {
  std::uint64_t value = 0;
  std::memcpy(&value, bytes.data(), std::min(bytes.size(), sizeof value));
  return value;
}

std::uint64_t number(const char* text) { return std::strtoull(text, nullptr, 10); }

mailbox_backend backend_of(const char* text) { return static_cast<mailbox_backend>(number(text)); }

std::string arg(mailbox_backend backend) { return std::to_string(static_cast<unsigned>(backend)); }

// Opens the mailbox `name` once another process has created it (10 s at most).
mailbox open_when_created(const std::string& name) {
  std::error_code ec;
  mailbox box;
  const auto give_up = std::chrono::steady_clock::now() + 10s;
  do {
    std::this_thread::sleep_for(1ms);
    box = mailbox::open(name, ec);
  } while (ec && std::chrono::steady_clock::now() < give_up);
  EXPECT_FALSE(ec) << ec.message();
  return box;
}

// Mailbox names for the cases outside the parameterized fixture, removed when the test ends.
struct mailbox_names : xipc::test::object_names {
  mailbox_names()
      : object_names([](const std::string& name) {
          std::error_code ignored;
          mailbox::remove(name, ignored);
        }) {}
};

// A counter per message number in shared memory, for processes that receive.
struct tally {
  static constexpr std::size_t bytes(std::size_t count) { return count * sizeof(std::atomic<std::uint32_t>); }
  explicit tally(xipc::shared_memory& memory)
      : counts(reinterpret_cast<std::atomic<std::uint32_t>*>(memory.data())),
        size(memory.size() / sizeof(std::atomic<std::uint32_t>)) {}
  std::atomic<std::uint32_t>* counts;
  std::size_t size;
};

class mailbox_test : public ::testing::TestWithParam<mailbox_backend> {
 protected:
  void SetUp() override {
    if (!xipc::mailbox_backend_available(backend())) {
      GTEST_SKIP() << "this OS has no " << xipc::to_string(backend()) << " queues: the backend is not in this build";
    }
  }
  mailbox_backend backend() const { return GetParam(); }
  std::string make_name(std::string_view label = {}) { return names.make(label); }
  std::string make_tally(std::size_t count) {
    std::string name = memory_names.make("tally");
    // Kept open: a Windows section goes when its last handle closes.
    tallies.push_back(xipc::shared_memory::create(name, tally::bytes(count)));
    return name;
  }

  mailbox_names names;
  xipc::test::object_names memory_names{[](const std::string& name) {
    std::error_code ignored;
    xipc::shared_memory::remove(name, ignored);
  }};
  std::vector<xipc::shared_memory> tallies;
};

INSTANTIATE_TEST_SUITE_P(backends, mailbox_test,
                         ::testing::Values(mailbox_backend::shm, mailbox_backend::posix_mq, mailbox_backend::sysv),
                         [](const auto& param_info) { return std::string(xipc::to_string(param_info.param)); });

// ---- roles ---------------------------------------------------------------------------

// Sends values first..first+count-1, each at priority 1 + value % 31, blocking.
XIPC_TEST_ROLE(mailbox_send_values) {
  if (args.size() != 3) return 2;
  auto box = mailbox::open(args[0]);
  const std::uint64_t first = number(args[1]);
  for (std::uint64_t value = first; value < first + number(args[2]); ++value) {
    if (box.send(bytes_of(value), 1 + static_cast<unsigned>(value % 31), 30s)) return 1;
  }
  return 0;
}

// Receives values and counts each in the tally until a priority-0 message
// (sent after all others, so taken last) says stop, or until killed.
XIPC_TEST_ROLE(mailbox_count_values) {
  if (args.size() != 2) return 2;
  auto box = mailbox::open(args[0]);
  auto memory = xipc::shared_memory::open(args[1]);
  tally counts(memory);
  std::array<std::byte, small_max> buffer{};
  for (;;) {
    const auto got = box.receive(buffer, 30s);
    if (got.error) return 1;
    if (got.priority == 0) return 0;
    const std::uint64_t value = value_of({buffer.data(), got.bytes});
    if (value >= counts.size) return 3;
    counts.counts[value].fetch_add(1);
  }
}

// Creates an owned mailbox and keeps it until killed.
XIPC_TEST_ROLE(mailbox_own) {
  if (args.size() != 2) return 2;
  auto box = mailbox::create(args[0], {.capacity = 4,
                                       .max_message_bytes = small_max,
                                       .lifetime = xipc::mailbox_lifetime::owned,
                                       .backend = backend_of(args[1])});
  for (;;) std::this_thread::sleep_for(1s);
}

// Tries one receive: exit 0 when it got a message, 10 when busy, 11 when empty.
XIPC_TEST_ROLE(mailbox_try_receive) {
  if (args.size() != 1) return 2;
  auto box = mailbox::open(args[0]);
  std::array<std::byte, small_max> buffer{};
  const auto got = box.receive(buffer, 100ms);
  if (!got.error) return 0;
  if (got.error == errc::busy) return 10;
  if (got.error == errc::timed_out) return 11;
  if (got.error == errc::not_supported) return 12;
  return 1;
}

// Sends values first..first+count-1 at priority 0, blocking.
XIPC_TEST_ROLE(mailbox_send_values_in_order) {
  if (args.size() != 3) return 2;
  auto box = mailbox::open(args[0]);
  const std::uint64_t first = number(args[1]);
  for (std::uint64_t value = first; value < first + number(args[2]); ++value) {
    if (box.send(bytes_of(value), 30s)) return 1;
  }
  return 0;
}

// ---- order, size and capacity --------------------------------------------------------

TEST_P(mailbox_test, higher_priority_first_and_fifo_within_a_priority) {
  auto box = mailbox::create(make_name(), options_for(backend(), 10));
  const unsigned priorities[] = {3, 0, 31, 3, 7, 0, 31, 7, 3, 1};
  for (std::uint64_t i = 0; i < std::size(priorities); ++i) ASSERT_FALSE(box.send(bytes_of(i), priorities[i], 1s));
  EXPECT_EQ(box.size(), 10u);
  std::vector<std::uint64_t> expected(std::size(priorities));
  for (std::uint64_t i = 0; i < expected.size(); ++i) expected[i] = i;
  std::stable_sort(expected.begin(), expected.end(),
                   [&](std::uint64_t a, std::uint64_t b) { return priorities[a] > priorities[b]; });
  std::array<std::byte, small_max> buffer{};
  for (const std::uint64_t want : expected) {
    const auto got = box.try_receive(buffer);
    ASSERT_FALSE(got.error) << got.error.message();
    EXPECT_EQ(value_of({buffer.data(), got.bytes}), want);
    EXPECT_EQ(got.priority, priorities[want]);
  }
  EXPECT_EQ(box.try_receive(buffer).error, errc::would_block);
}

TEST_P(mailbox_test, a_bad_priority_or_an_oversize_message_sends_nothing) {
  auto box = mailbox::create(make_name(), options_for(backend()));
  EXPECT_EQ(box.send(bytes_of(1), mailbox::max_priority + 1, 1s), errc::invalid_argument);
  EXPECT_EQ(box.send(std::vector<std::byte>(small_max + 1), 1s), errc::message_too_large);
  EXPECT_FALSE(box.send(std::vector<std::byte>(small_max), 1s)) << "exactly the maximum is fine";
  EXPECT_FALSE(box.send({}, 1s)) << "and so is an empty message";
  EXPECT_EQ(box.size(), 2u);
}

TEST_P(mailbox_test, holds_capacity_messages_then_would_block) {
  auto box = mailbox::create(make_name(), options_for(backend(), 10));
  const std::vector<std::byte> largest(small_max, std::byte{7});
  for (int i = 0; i < 10; ++i) ASSERT_FALSE(box.try_send(largest)) << i;
  EXPECT_EQ(box.try_send(largest), errc::would_block);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(box.send(largest, 30ms), errc::timed_out);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 30ms);
  std::vector<std::byte> buffer(small_max);
  EXPECT_FALSE(box.try_receive(buffer).error);
  EXPECT_FALSE(box.try_send(largest)) << "one taken, one more fits";
}

TEST_P(mailbox_test, a_64_kib_record_goes_through_in_100_byte_pieces) {
  const std::string name = make_name();
  // 100-byte messages at most: a POSIX queue takes no smaller buffer than that.
  auto receiver = mailbox::create(name, options_for(backend(), 10, 100));
  auto sender = mailbox::open(name);
  std::vector<std::byte> record(64 * 1024);
  for (std::size_t i = 0; i < record.size(); ++i) record[i] = static_cast<std::byte>((i * 131) >> 3);
  std::thread sending([&] {
    for (std::size_t offset = 0; offset < record.size(); offset += 100) {
      const std::size_t piece = std::min<std::size_t>(100, record.size() - offset);
      ASSERT_FALSE(sender.send({record.data() + offset, piece}, 10s));
    }
  });
  std::vector<std::byte> reassembled;
  std::array<std::byte, 100> buffer{};
  while (reassembled.size() < record.size()) {
    const auto got = receiver.receive(buffer, 10s);
    ASSERT_FALSE(got.error) << got.error.message();
    reassembled.insert(reassembled.end(), buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(got.bytes));
  }
  sending.join();
  EXPECT_EQ(reassembled, record);
}

TEST_P(mailbox_test, capacity_10_with_1000_blocking_sends_from_another_process) {
  const std::string name = make_name();
  auto box = mailbox::create(name, options_for(backend(), 10));
  auto sender = peer_process::start("mailbox_send_values", {name, "0", "1000"});
  std::array<std::byte, small_max> buffer{};
  std::size_t most_queued = 0;
  std::vector<int> seen(1000);
  for (std::uint64_t count = 0; count < 1000; ++count) {
    if (count % 100 == 0) std::this_thread::sleep_for(20ms);  // let the sender fill it up
    most_queued = std::max(most_queued, box.size());
    const auto got = box.receive(buffer, 10s);
    ASSERT_FALSE(got.error) << count << ": " << got.error.message();
    const std::uint64_t value = value_of({buffer.data(), got.bytes});
    ASSERT_LT(value, 1000u);
    seen[value] += 1;
  }
  EXPECT_EQ(sender.wait(), 0);
  EXPECT_EQ(std::count(seen.begin(), seen.end(), 1), 1000) << "each value exactly once";
  EXPECT_EQ(most_queued, 10u) << "the sender filled the mailbox and no more";
  EXPECT_EQ(box.try_receive(buffer).error, errc::would_block);
}

// ---- many processes ------------------------------------------------------------------

TEST_P(mailbox_test, ten_senders_and_ten_receivers_lose_and_duplicate_nothing) {
  constexpr std::uint64_t per_sender = 10000;
  constexpr int senders = 10;
  constexpr int receivers = 10;
  constexpr std::uint64_t total = per_sender * senders;
  const std::string name = make_name();
  auto box = mailbox::create(name, options_for(backend(), 10));
  const std::string tally_name = make_tally(total);
  std::vector<peer_process> peers;
  for (int r = 0; r < receivers; ++r) peers.push_back(peer_process::start("mailbox_count_values", {name, tally_name}));
  std::vector<peer_process> sending;
  for (int s = 0; s < senders; ++s) {
    sending.push_back(peer_process::start("mailbox_send_values",
                                          {name, std::to_string(s * per_sender), std::to_string(per_sender)}));
  }
  for (auto& sender : sending) EXPECT_EQ(sender.wait(120s), 0);
  for (int r = 0; r < receivers; ++r) ASSERT_FALSE(box.send(bytes_of(0), 0, 30s)) << "stop message";
  for (auto& receiver : peers) EXPECT_EQ(receiver.wait(120s), 0);
  auto memory = xipc::shared_memory::open(tally_name);
  tally counts(memory);
  std::uint64_t missing = 0;
  std::uint64_t duplicated = 0;
  for (std::uint64_t value = 0; value < total; ++value) {
    const auto seen = counts.counts[value].load();
    missing += seen == 0;
    duplicated += seen > 1;
  }
  EXPECT_EQ(missing, 0u);
  EXPECT_EQ(duplicated, 0u);
}

TEST_P(mailbox_test, ten_sender_threads_and_ten_receiver_threads_share_one_object) {
  constexpr std::uint64_t per_sender = 300;
  constexpr int threads = 10;
  constexpr std::uint64_t total = per_sender * threads;
  const std::string name = make_name();
  auto box = mailbox::create(name, options_for(backend(), 1));
  std::vector<std::atomic<std::uint32_t>> seen(total + 1);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (std::uint64_t i = 0; i < per_sender; ++i) {
        const std::uint64_t value = 1 + static_cast<std::uint64_t>(t) * per_sender + i;
        ASSERT_FALSE(box.send(bytes_of(value), 30s));
      }
    });
    workers.emplace_back([&] {
      std::array<std::byte, small_max> buffer{};
      for (;;) {
        const auto got = box.receive(buffer, 30s);
        ASSERT_FALSE(got.error) << got.error.message();
        ASSERT_EQ(got.bytes, sizeof(std::uint64_t)) << "a torn or mixed message";
        const std::uint64_t value = value_of({buffer.data(), got.bytes});
        if (value == 0) return;  // stop
        ASSERT_LE(value, total);
        seen[value].fetch_add(1);
      }
    });
  }
  for (std::size_t w = 0; w < workers.size(); w += 2) workers[w].join();
  for (int r = 0; r < threads; ++r) ASSERT_FALSE(box.send(bytes_of(0), 30s));
  for (std::size_t w = 1; w < workers.size(); w += 2) workers[w].join();
  std::uint64_t missing = 0;
  std::uint64_t duplicated = 0;
  for (std::uint64_t value = 1; value <= total; ++value) {
    missing += seen[value].load() == 0;
    duplicated += seen[value].load() > 1;
  }
  EXPECT_EQ(missing, 0u);
  EXPECT_EQ(duplicated, 0u);
}

TEST_P(mailbox_test, a_receiver_killed_mid_stream_loses_only_what_it_took) {
  constexpr std::uint64_t total = 20000;
  const std::string name = make_name();
  auto box = mailbox::create(name, options_for(backend(), 10));
  const std::string tally_name = make_tally(total);
  auto receiver = peer_process::start("mailbox_count_values", {name, tally_name});
  auto memory = xipc::shared_memory::open(tally_name);
  tally counts(memory);
  std::uint64_t sent = 0;
  auto taken_by_peer = [&] {
    std::uint64_t taken = 0;
    for (std::uint64_t value = 0; value < sent; ++value) taken += counts.counts[value].load() != 0;
    return taken;
  };
  std::array<std::byte, small_max> buffer{};
  std::vector<std::uint32_t> mine(total);
  auto take_one = [&] {
    const auto got = box.try_receive(buffer);
    if (!got.error) mine[value_of({buffer.data(), got.bytes})] += 1;
    return got.error;
  };
  for (; sent < total; ++sent) {
    if (sent <= total / 4) {
      ASSERT_FALSE(box.send(bytes_of(sent), 1, 10s)) << sent;
    } else {
      while (box.try_send(bytes_of(sent), 1) == errc::would_block) take_one();  // nobody else receives now
    }
    if (sent == total / 4) {
      while (taken_by_peer() < total / 8) std::this_thread::sleep_for(1ms);
      receiver.kill();  // SIGKILL, wherever it is: inside receive, or between receive and its tally
    }
  }
  std::error_code drained;
  while (!(drained = take_one())) {
  }
  EXPECT_EQ(drained, errc::would_block);
  std::uint64_t missing = 0;
  std::uint64_t duplicated = 0;
  for (std::uint64_t value = 0; value < total; ++value) {
    const auto seen = counts.counts[value].load() + mine[value];
    missing += seen == 0;
    duplicated += seen > 1;
  }
  EXPECT_EQ(duplicated, 0u);
  EXPECT_LE(missing, 1u) << "at most the message the receiver had taken but not yet counted";
}

// Sends messages of args[2] bytes (the value in each of their words) from
// args[1] up, one after another, until it is killed.
XIPC_TEST_ROLE(mailbox_send_until_killed) {
  auto box = mailbox::open(args[0]);
  std::vector<std::uint64_t> words(number(args[2]) / sizeof(std::uint64_t));
  for (std::uint64_t value = number(args[1]);; ++value) {
    std::fill(words.begin(), words.end(), value);
    if (box.send(std::as_bytes(std::span(words)), 1, 30s)) return 1;
  }
}

TEST_P(mailbox_test, senders_killed_mid_stream_leave_whole_messages_and_no_gaps) {
  constexpr int senders = 12;
  constexpr std::uint64_t range = 1'000'000'000;  // sender k sends from k * range up
  // Deep enough, and messages large enough, that a shm sender spends most of
  // its time copying inside sends, so that the kills land there. The kernel
  // queues have their own limits: POSIX's 10 messages, System V's 16 KiB.
  const bool shm = backend() == mailbox_backend::shm;
  const std::size_t capacity = shm ? 512 : backend() == mailbox_backend::sysv ? 200 : 10;
  const std::size_t size = shm ? 16 * 1024 : 64;
  const std::string name = make_name();
  auto box = mailbox::create(name, options_for(backend(), capacity, size));
  std::vector<std::uint64_t> words(size / sizeof(std::uint64_t));
  std::vector<std::vector<std::uint64_t>> got(senders);
  auto take_one = [&] {
    const auto message = box.try_receive(std::as_writable_bytes(std::span(words)));
    if (message.error) return message.error;
    EXPECT_EQ(message.bytes, size);
    const auto torn = std::find_if(words.begin(), words.end(), [&](std::uint64_t word) { return word != words[0]; });
    EXPECT_EQ(torn, words.end()) << "a torn message: " << words[0];
    const std::uint64_t k = words[0] / range;
    if (k < static_cast<std::uint64_t>(senders)) got[k].push_back(words[0]);
    return std::error_code{};
  };
  auto drain = [&] {
    std::error_code error;
    while (!(error = take_one())) {
    }
    EXPECT_EQ(error, errc::would_block);
  };
  for (int k = 0; k < senders; ++k) {
    // Killed while the queue fills: at a different depth each time.
    const std::size_t depth = std::min(capacity - 1, std::size_t{1} + (97 * k) % capacity);
    auto sender = peer_process::start("mailbox_send_until_killed",
                                      {name, std::to_string(k * range), std::to_string(size)});
    const auto give_up = std::chrono::steady_clock::now() + 10s;
    while (box.size() < depth && std::chrono::steady_clock::now() < give_up) {
    }
    sender.kill();
    ASSERT_TRUE(sender.wait().has_value());
    drain();  // the next sender finds its predecessor's lock, if it held one, and takes it over
  }
  // A live sender after the last dead one.
  std::fill(words.begin(), words.end(), senders * range);
  ASSERT_FALSE(box.send(std::as_bytes(std::span(words)), 1, 5s));
  words.assign(words.size(), 0);
  ASSERT_FALSE(take_one());
  EXPECT_EQ(words[0], senders * range);
  for (int k = 0; k < senders; ++k) {
    SCOPED_TRACE(k);
    ASSERT_FALSE(got[k].empty());
    for (std::size_t i = 0; i < got[k].size(); ++i) {
      ASSERT_EQ(got[k][i], k * range + i) << "in order, with no gap and no repeat";
    }
  }
}

// ---- rendezvous ----------------------------------------------------------------------

TEST_P(mailbox_test, rendezvous_send_returns_once_a_receiver_took_the_message) {
  const std::string name = make_name();
  auto receiver = mailbox::create(name, options_for(backend(), 0));
  auto sender = mailbox::open(name);
  std::atomic<bool> received{false};
  // Taken before the receiver's sleep starts: the send cannot end before it.
  const auto start = std::chrono::steady_clock::now();
  std::thread taking([&] {
    std::this_thread::sleep_for(100ms);
    std::array<std::byte, small_max> buffer{};
    const auto got = receiver.receive(buffer, 5s);
    EXPECT_FALSE(got.error);
    EXPECT_EQ(value_of({buffer.data(), got.bytes}), 42u);
    received = true;
  });
  EXPECT_FALSE(sender.send(bytes_of(42), 5s));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 100ms) << "send waited for the receiver";
  taking.join();
  EXPECT_TRUE(received);
}

TEST_P(mailbox_test, rendezvous_without_a_receiver_times_out_and_takes_the_message_back) {
  const std::string name = make_name();
  auto receiver = mailbox::create(name, options_for(backend(), 0));
  auto sender = mailbox::open(name);
  EXPECT_EQ(sender.try_send(bytes_of(1)), errc::would_block);
  EXPECT_EQ(sender.send(bytes_of(2), 30ms), errc::timed_out);
  std::array<std::byte, small_max> buffer{};
  EXPECT_EQ(receiver.try_receive(buffer).error, errc::would_block) << "a message not taken is not left behind";
  EXPECT_EQ(receiver.size(), 0u);
}

#if XIPC_OS_POSIX
// Sends one rendezvous message and waits forever for a receiver: to be killed there.
XIPC_TEST_ROLE(mailbox_rendezvous_send_forever) {
  auto box = mailbox::open(args[0]);
  const std::uint64_t value = 77;
  return box.send(bytes_of(value), deadline::forever()) ? 1 : 0;
}

TEST_P(mailbox_test, a_rendezvous_sender_killed_while_it_waits_leaves_no_message_behind) {
  const std::string name = make_name();
  auto receiver = mailbox::create(name, options_for(backend(), 0));
  auto sender = peer_process::start("mailbox_rendezvous_send_forever", {name});
  const auto give_up = std::chrono::steady_clock::now() + 10s;
  while (receiver.size() == 0 && std::chrono::steady_clock::now() < give_up) std::this_thread::sleep_for(1ms);
  ASSERT_EQ(receiver.size(), 1u) << "the sender queued its message and waits";
  sender.kill();
  ASSERT_EQ(sender.wait(), xipc::test::killed_exit_code);
  std::array<std::byte, small_max> buffer{};
  EXPECT_EQ(receiver.try_receive(buffer).error, errc::would_block) << "the dead sender's message is not delivered";
  EXPECT_EQ(receiver.size(), 0u);
  // The mailbox still works: a live sender's message is taken.
  std::thread taking([&] { EXPECT_FALSE(receiver.receive(buffer, 5s).error); });
  auto live = mailbox::open(name);
  EXPECT_FALSE(live.send(bytes_of(5), 5s));
  taking.join();
  EXPECT_EQ(value_of({buffer.data(), sizeof(std::uint64_t)}), 5u);
}
#endif

#if XIPC_OS_POSIX
// Takes the queue lock of mailbox args[0] (shm: the queue's, sysv: the send
// lock; both are the first word after the control block) and stops itself
// there, as a process stopped or wedged inside a send would.
XIPC_TEST_ROLE(mailbox_hold_lock_and_stop) {
  auto raw = xipc::test::raw_region::open(xipc::name_kind::mailbox, args[0]);
  auto& word = *reinterpret_cast<xipc::detail::process_lock_word*>(raw.data() + sizeof(xipc::detail::mailbox_control));
  if (xipc::detail::lock(word, 5s) == xipc::detail::lock_result::timed_out) return 1;
  ::raise(SIGSTOP);
  return 0;
}

void stopped_lock_holder_case(const std::string& name, const mailbox_options& options);

TEST_P(mailbox_test, a_stopped_lock_holder_costs_callers_their_deadline_and_no_more) {
  if (backend() == mailbox_backend::posix_mq) GTEST_SKIP() << "posix_mq takes no lock of xipc's: the kernel queues";
  for (const std::size_t capacity : {std::size_t{4}, std::size_t{0}}) {  // bounded, and a rendezvous
    SCOPED_TRACE(capacity);
    stopped_lock_holder_case(make_name(), options_for(backend(), capacity));
  }
}

void stopped_lock_holder_case(const std::string& name, const mailbox_options& options) {
  auto box = mailbox::create(name, options);
  const mailbox_backend backend = options.backend;
  auto holder = peer_process::start("mailbox_hold_lock_and_stop", {name});
  {
    auto raw = xipc::test::raw_region::open(xipc::name_kind::mailbox, name);
    auto& word =
        *reinterpret_cast<xipc::detail::process_lock_word*>(raw.data() + sizeof(xipc::detail::mailbox_control));
    const auto give_up = std::chrono::steady_clock::now() + 10s;
    while (word.holder.load() == 0 && std::chrono::steady_clock::now() < give_up) std::this_thread::sleep_for(1ms);
    ASSERT_NE(word.holder.load(), 0u) << "the holder took the lock";
  }
  std::this_thread::sleep_for(20ms);  // let it stop
  auto timed = [](auto&& call) {
    const auto start = std::chrono::steady_clock::now();
    const std::error_code error = call();
    return std::pair{error, std::chrono::steady_clock::now() - start};
  };
  auto [tried, tried_for] = timed([&] { return box.try_send(bytes_of(1)); });
  EXPECT_EQ(tried, errc::would_block);
  EXPECT_LT(tried_for, 50ms) << "try_send never blocks";
  auto [sent, sent_for] = timed([&] { return box.send(bytes_of(1), 100ms); });
  EXPECT_EQ(sent, errc::timed_out);
  EXPECT_GE(sent_for, 100ms);
  EXPECT_LT(sent_for, 1s) << "send returned at its deadline";
  std::array<std::byte, small_max> buffer{};
  if (backend == mailbox_backend::shm) {  // sysv receives take no lock
    auto [received, received_for] = timed([&] { return box.receive(buffer, 100ms).error; });
    EXPECT_EQ(received, errc::timed_out);
    EXPECT_LT(received_for, 1s);
    EXPECT_EQ(box.try_receive(buffer).error, errc::would_block);
  }
  holder.kill();
  holder.wait();
  if (options.capacity == 0) {
    std::thread taking([&] { EXPECT_FALSE(box.receive(buffer, 5s).error); });
    EXPECT_FALSE(box.send(bytes_of(2), 5s)) << "a dead holder's lock is recovered";
    taking.join();
  } else {
    EXPECT_FALSE(box.send(bytes_of(2), 5s)) << "a dead holder's lock is recovered";
    const auto got = box.receive(buffer, 5s);
    ASSERT_FALSE(got.error);
  }
  EXPECT_EQ(value_of({buffer.data(), sizeof(std::uint64_t)}), 2u);
}
#endif

TEST(mailbox_posix_mq, a_short_buffer_never_takes_a_message_out_of_the_queue) {
  if (!xipc::mailbox_backend_available(mailbox_backend::posix_mq)) GTEST_SKIP() << "no posix_mq backend here";
  mailbox_names names;
  const std::string name = names.make("short");
  auto sender = mailbox::create(name, options_for(mailbox_backend::posix_mq, 1));
  ASSERT_FALSE(sender.send(bytes_of(1), 1s));
  {
    auto receiver = mailbox::open(name);
    std::array<std::byte, 4> small{};
    const auto refused = receiver.try_receive(small);
    EXPECT_EQ(refused.error, errc::message_too_large);
    EXPECT_EQ(refused.bytes, small_max) << "the buffer a POSIX queue needs";
    EXPECT_EQ(sender.try_send(bytes_of(2)), errc::would_block) << "the message is still in the full queue";
  }  // the receiver closes with the queue full: nothing it held can be lost
  std::array<std::byte, small_max> buffer{};
  const auto got = sender.try_receive(buffer);
  ASSERT_FALSE(got.error);
  EXPECT_EQ(value_of({buffer.data(), got.bytes}), 1u);
}

// ---- lifetime and receivers ----------------------------------------------------------

constexpr const char* owned_sysv_refused =
    "an owned sysv mailbox is refused: System V destroys a queue with its messages at once "
    "(sysv_refuses_the_owned_lifetime_that_it_cannot_keep)";

TEST(mailbox_sysv, sysv_refuses_the_owned_lifetime_that_it_cannot_keep) {
  if (!xipc::mailbox_backend_available(mailbox_backend::sysv)) GTEST_SKIP() << "no sysv backend in this build";
  mailbox_names names;
  const std::string name = names.make("owned");
  try {
    mailbox::create(name, {.capacity = 4, .max_message_bytes = small_max, .lifetime = xipc::mailbox_lifetime::owned,
                           .backend = mailbox_backend::sysv});
    ADD_FAILURE() << "created";
  } catch (const std::system_error& error) {
    EXPECT_EQ(error.code(), errc::invalid_argument);
    EXPECT_NE(std::string(error.what()).find("IPC_RMID"), std::string::npos) << error.what();
  }
  std::error_code ec;
  mailbox::open(name, ec);
  EXPECT_EQ(ec, errc::not_found) << "nothing was left behind";
}

TEST_P(mailbox_test, an_owned_mailbox_goes_with_its_creator) {
  if (backend() == mailbox_backend::sysv) GTEST_SKIP() << owned_sysv_refused;
  const std::string name = make_name();
  std::optional<mailbox> owner = mailbox::create(
      name, {.capacity = 4, .max_message_bytes = small_max, .lifetime = xipc::mailbox_lifetime::owned,
             .backend = backend()});
  auto sender = mailbox::open(name);
  EXPECT_FALSE(sender.send(bytes_of(1), 1s));
  owner.reset();
  EXPECT_EQ(sender.send(bytes_of(2), 1s), errc::peer_closed);
  std::error_code ec;
  mailbox::open(name, ec);
  EXPECT_EQ(ec, errc::not_found) << "the name went with the owner";
}

TEST_P(mailbox_test, senders_see_peer_closed_when_the_owner_process_dies) {
  if (backend() == mailbox_backend::sysv) GTEST_SKIP() << owned_sysv_refused;
  const std::string name = make_name();
  auto owner = peer_process::start("mailbox_own", {name, arg(backend())});
  mailbox sender = open_when_created(name);
  ASSERT_TRUE(sender.is_open());
  EXPECT_EQ(sender.options().lifetime, xipc::mailbox_lifetime::owned);
  for (int i = 0; i < 4; ++i) ASSERT_FALSE(sender.send(bytes_of(1), 1s));
  owner.kill();
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(sender.send(bytes_of(2), 5s), errc::peer_closed) << "a blocked sender notices";
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  std::error_code ec;
  mailbox::open(name, ec);
  EXPECT_EQ(ec, errc::not_found) << "whoever noticed removed the name";
}

TEST_P(mailbox_test, an_exclusive_mailbox_has_one_receiving_process_at_a_time) {
  const std::string name = make_name();
  auto options = options_for(backend());
  options.receivers = xipc::mailbox_receivers::exclusive;
  std::optional<mailbox> first = mailbox::create(name, options);
  ASSERT_FALSE(first->send(bytes_of(1), 1s));
  ASSERT_FALSE(first->send(bytes_of(2), 1s));
  std::array<std::byte, small_max> buffer{};
  ASSERT_FALSE(first->try_receive(buffer).error) << "the first receive claims the mailbox";
  EXPECT_EQ(peer_process::start("mailbox_try_receive", {name}).wait(), 10) << "another process is busy";
  auto sender = mailbox::open(name);
  first.reset();
  EXPECT_EQ(peer_process::start("mailbox_try_receive", {name}).wait(), 0) << "the claim went with its holder";
  EXPECT_EQ(sender.size(), 0u);
}

// ---- setup errors --------------------------------------------------------------------

TEST_P(mailbox_test, setup_errors_name_the_mailbox_and_the_problem) {
  const std::string name = make_name();
  std::error_code ec;
  mailbox::open(name, ec);
  EXPECT_EQ(ec, errc::not_found);
  EXPECT_FALSE(mailbox::remove(name));
  auto box = mailbox::create(name, options_for(backend()));
  try {
    mailbox::create(name, options_for(backend()));
    ADD_FAILURE() << "created twice";
  } catch (const std::system_error& error) {
    EXPECT_EQ(error.code(), errc::already_exists);
    EXPECT_NE(std::string(error.what()).find(name), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find(xipc::to_string(backend())), std::string::npos) << error.what();
  }
  mailbox::open("bad/name", ec);
  EXPECT_EQ(ec, errc::invalid_name);
  mailbox::create(make_name(), {.max_message_bytes = 0, .backend = backend()}, ec);
  EXPECT_EQ(ec, errc::invalid_argument);
}

TEST_P(mailbox_test, open_or_create_with_other_options_names_both) {
  const std::string name = make_name();
  auto box = mailbox::open_or_create(name, options_for(backend(), 10));
  auto same = mailbox::open_or_create(name, options_for(backend(), 10));
  EXPECT_EQ(same.options(), box.options());
  try {
    mailbox::open_or_create(name, options_for(backend(), 5));
    ADD_FAILURE() << "opened with another capacity";
  } catch (const std::system_error& error) {
    EXPECT_EQ(error.code(), errc::invalid_argument);
    const std::string what = error.what();
    EXPECT_NE(what.find("capacity 10"), std::string::npos) << what;
    EXPECT_NE(what.find("capacity 5"), std::string::npos) << what;
  }
  const auto other = backend() == mailbox_backend::shm ? mailbox_backend::posix_mq : mailbox_backend::shm;
  try {
    mailbox::open_or_create(name, options_for(other, 10));
    ADD_FAILURE() << "opened as another backend";
  } catch (const std::system_error& error) {
    const std::string what = error.what();
    EXPECT_NE(what.find(std::string(xipc::to_string(other)) + " backend"), std::string::npos) << what;
    if (xipc::mailbox_backend_available(other)) {
      EXPECT_NE(what.find(std::string(xipc::to_string(backend())) + " backend"), std::string::npos) << what;
    } else {
      EXPECT_NE(what.find("not part of this build"), std::string::npos) << what;
    }
  }
}

TEST_P(mailbox_test, a_damaged_header_is_reported_not_trusted) {
  const std::string name = make_name();
  auto box = mailbox::create(name, options_for(backend()));
  // The control region, opened without xipc: "/xipc:mbox.<name>".
  auto raw = xipc::test::raw_region::open(xipc::name_kind::mailbox, name);
  auto& header = reinterpret_cast<xipc::detail::mailbox_control*>(raw.data())->header;
  std::error_code ec;
  const std::uint64_t capacity = header.capacity;
  header.capacity = 1u << 30;
  mailbox::open(name, ec);
  EXPECT_EQ(ec, errc::corrupted);
  header.capacity = capacity + 1;
  mailbox::open(name, ec);
  EXPECT_EQ(ec, errc::corrupted) << "options that do not match the region's size";
  header.capacity = capacity;
  header.version = 99;
  mailbox::open(name, ec);
  EXPECT_EQ(ec, errc::corrupted);
  header.version = xipc::detail::mailbox_layout_version;
  header.magic = 0x1234;
  try {
    mailbox::open(name);
    ADD_FAILURE() << "opened a damaged mailbox";
  } catch (const std::system_error& error) {
    EXPECT_EQ(error.code(), errc::corrupted);
    EXPECT_NE(std::string(error.what()).find("magic"), std::string::npos) << error.what();
  }
  EXPECT_TRUE(mailbox::remove(name)) << "a damaged mailbox can still be removed";
}

TEST(mailbox_shm_queue, a_damaged_queue_is_reported_not_followed) {
  mailbox_names names;
  const std::string name = names.make("damaged");
  auto box = mailbox::create(name, options_for(mailbox_backend::shm, 4));
  ASSERT_FALSE(box.send(bytes_of(5), 2, 1s));
  auto raw = xipc::test::raw_region::open(xipc::name_kind::mailbox, name);
  auto& queue = *reinterpret_cast<xipc::detail::mailbox_queue_state*>(raw.data() + sizeof(xipc::detail::mailbox_control));
  const std::uint32_t dummy = queue.head[2];
  queue.head[2] = 1000;  // a node index past the end
  std::array<std::byte, small_max> buffer{};
  EXPECT_EQ(box.try_receive(buffer).error, errc::corrupted);
  queue.head[2] = dummy;
  // The free pair the next send takes (the ring follows the state) names a node past the end.
  auto* ring = reinterpret_cast<std::uint64_t*>(raw.data() + sizeof(xipc::detail::mailbox_control) +
                                                sizeof(xipc::detail::mailbox_queue_state));
  ring[1] = std::uint64_t{77777} << 32;
  EXPECT_EQ(box.try_send(bytes_of(6)), errc::corrupted);
  ring[1] = 0;  // node 0 (priority 0's dummy, in use): refused too
  EXPECT_EQ(box.try_send(bytes_of(6), 0), errc::corrupted);
  // Counts that say more is queued than the mailbox holds.
  queue.sent[5].store(1000);
  queue.used.fetch_or(1u << 5);
  EXPECT_EQ(box.try_receive(buffer).error, errc::corrupted);
}

#if XIPC_OS_POSIX
// ---- the shm queue after a lock holder's death ----------------------------------------
//
// A process that dies holding one of the shm queue's two locks, at a chosen
// step of a send or a receive: it takes the lock and makes the changes that
// mailbox_shm.cpp makes, in its order, up to `step`, then exits without
// letting go. The next holder of that lock must finish or undo the change.

struct shm_queue_view {
  explicit shm_queue_view(const std::string& name) : raw(xipc::test::raw_region::open(xipc::name_kind::mailbox, name)) {}
  xipc::detail::mailbox_queue_state& state() {
    return *reinterpret_cast<xipc::detail::mailbox_queue_state*>(raw.data() + sizeof(xipc::detail::mailbox_control));
  }
  std::atomic<std::uint64_t>* ring() {
    return reinterpret_cast<std::atomic<std::uint64_t>*>(reinterpret_cast<std::byte*>(&state()) +
                                                         sizeof(xipc::detail::mailbox_queue_state));
  }
  xipc::detail::mailbox_node* nodes() {
    return reinterpret_cast<xipc::detail::mailbox_node*>(reinterpret_cast<std::byte*>(ring()) +
                                                         xipc::detail::mailbox_ring_bytes(state().slots));
  }
  std::byte* payload(std::uint32_t slot) {
    return reinterpret_cast<std::byte*>(nodes() + state().nodes) + slot * xipc::detail::mailbox_payload_bytes(small_max);
  }
  xipc::test::raw_region raw;
};

constexpr unsigned repair_priority = 3;

// args: name step value. Steps: 1 intent and message written, 2 linked into
// its list, 3 the list's tail and free_read moved too (only sent[] is left).
XIPC_TEST_ROLE(mailbox_die_mid_send) {
  shm_queue_view view(args[0]);
  const int step = static_cast<int>(number(args[1]));
  const std::uint64_t value = number(args[2]);
  auto& state = view.state();
  if (xipc::detail::lock(state.send_lock, 5s) != xipc::detail::lock_result::acquired) return 1;
  const std::uint64_t taken = state.free_read.load();
  const std::uint64_t pair = view.ring()[taken % state.slots].load();
  const auto node = static_cast<std::uint32_t>(pair >> 32);
  const auto slot = static_cast<std::uint32_t>(pair);
  const std::uint32_t tail = state.tail[repair_priority];
  auto& intent = state.send_intent;
  intent.node = node;
  intent.payload = slot;
  intent.priority = repair_priority;
  intent.tail_before = tail;
  intent.sent_before = state.sent[repair_priority].load();
  intent.free_read_before = taken;
  intent.active.store(1);
  std::memcpy(view.payload(slot), &value, sizeof value);
  view.nodes()[node].next.store(xipc::detail::mailbox_no_slot);
  auto& last = view.nodes()[tail];  // describes the message after it
  last.payload = slot;
  last.size = sizeof value;
  last.priority = repair_priority;
  if (step >= 2) last.next.store(node);
  if (step >= 3) {
    state.tail[repair_priority] = node;
    state.free_read.store(taken + 1);
  }
  std::_Exit(0);  // holding the send lock
}

// args: name step. Steps: 1 intent written (the message copied out), 2 the
// list's head moved, 3 the pair put back and received[] counted (only
// free_write is left).
XIPC_TEST_ROLE(mailbox_die_mid_receive) {
  shm_queue_view view(args[0]);
  const int step = static_cast<int>(number(args[1]));
  auto& state = view.state();
  if (xipc::detail::lock(state.receive_lock, 5s) != xipc::detail::lock_result::acquired) return 1;
  const std::uint32_t dummy = state.head[repair_priority];
  const std::uint32_t node = view.nodes()[dummy].next.load();
  if (node == xipc::detail::mailbox_no_slot) return 2;
  const std::uint64_t put = state.free_write.load();
  auto& intent = state.receive_intent;
  intent.dummy = dummy;
  intent.node = node;
  intent.payload = view.nodes()[dummy].payload;
  intent.priority = repair_priority;
  intent.received_before = state.received[repair_priority];
  intent.free_write_before = put;
  intent.active.store(1);
  if (step >= 2) state.head[repair_priority] = node;
  if (step >= 3) {
    view.ring()[put % state.slots].store((std::uint64_t{dummy} << 32) | intent.payload);
    state.received[repair_priority] = intent.received_before + 1;
  }
  std::_Exit(0);  // holding the receive lock
}

// Everything queued now, in order, at repair_priority.
std::vector<std::uint64_t> drain(mailbox& box) {
  std::vector<std::uint64_t> values;
  std::array<std::byte, small_max> buffer{};
  for (;;) {
    const auto got = box.try_receive(buffer);
    if (got.error) {
      EXPECT_EQ(got.error, errc::would_block);
      return values;
    }
    EXPECT_EQ(got.priority, repair_priority);
    values.push_back(value_of({buffer.data(), got.bytes}));
  }
}

// The mailbox holds exactly `capacity` messages again, in order.
void expect_whole_capacity(mailbox& box, std::size_t capacity) {
  for (std::uint64_t value = 100; value < 100 + capacity; ++value) {
    ASSERT_FALSE(box.try_send(bytes_of(value), repair_priority)) << value;
  }
  EXPECT_EQ(box.try_send(bytes_of(999), repair_priority), errc::would_block) << "one more than the capacity";
  std::vector<std::uint64_t> expected;
  for (std::uint64_t value = 100; value < 100 + capacity; ++value) expected.push_back(value);
  EXPECT_EQ(drain(box), expected);
}

TEST(mailbox_shm_queue, a_sender_that_dies_mid_send_leaves_its_message_whole_or_absent) {
  constexpr std::size_t capacity = 4;
  for (int step = 1; step <= 3; ++step) {
    SCOPED_TRACE(step);
    mailbox_names names;
    const std::string name = names.make("midsend");
    auto box = mailbox::create(name, options_for(mailbox_backend::shm, capacity));
    ASSERT_FALSE(box.send(bytes_of(1), repair_priority, 1s));
    ASSERT_EQ(peer_process::start("mailbox_die_mid_send", {name, std::to_string(step), "2"}).wait(), 0);
    // A receive works while the dead sender still holds the send lock.
    std::array<std::byte, small_max> buffer{};
    auto got = box.try_receive(buffer);
    ASSERT_FALSE(got.error) << got.error.message();
    EXPECT_EQ(value_of({buffer.data(), got.bytes}), 1u);
    // The next send takes the lock over and finishes or undoes the dead one's.
    ASSERT_FALSE(box.send(bytes_of(3), repair_priority, 5s));
    const std::vector<std::uint64_t> expected =
        step == 1 ? std::vector<std::uint64_t>{3} : std::vector<std::uint64_t>{2, 3};
    EXPECT_EQ(drain(box), expected) << "not linked: absent; linked: delivered, in its place";
    EXPECT_EQ(box.size(), 0u);
    expect_whole_capacity(box, capacity);
  }
}

TEST(mailbox_shm_queue, a_receiver_that_dies_mid_receive_loses_at_most_that_message_and_no_room) {
  constexpr std::size_t capacity = 4;
  for (int step = 1; step <= 3; ++step) {
    SCOPED_TRACE(step);
    mailbox_names names;
    const std::string name = names.make("midrecv");
    auto box = mailbox::create(name, options_for(mailbox_backend::shm, capacity));
    for (std::uint64_t value = 1; value <= capacity; ++value) ASSERT_FALSE(box.send(bytes_of(value), repair_priority, 1s));
    ASSERT_EQ(peer_process::start("mailbox_die_mid_receive", {name, std::to_string(step)}).wait(), 0);
    EXPECT_EQ(box.try_send(bytes_of(9), repair_priority), errc::would_block) << "a send takes no receive lock";
    const std::vector<std::uint64_t> expected =
        step == 1 ? std::vector<std::uint64_t>{1, 2, 3, 4} : std::vector<std::uint64_t>{2, 3, 4};
    EXPECT_EQ(drain(box), expected) << "not taken: still queued; taken: gone with the dead receiver";
    EXPECT_EQ(box.size(), 0u);
    expect_whole_capacity(box, capacity);
  }
}
#endif

#if XIPC_HAS_SYSV_MQ
TEST(mailbox_sysv_area, another_mailboxs_key_in_the_area_is_reported_not_followed) {
  mailbox_names names;
  const std::string name = names.make("area");
  const std::string other = names.make("other");
  mailbox_options options = options_for(mailbox_backend::sysv, 4);
  auto box = mailbox::create(name, options);
  auto second = mailbox::create(other, options);
  // The backend's own area, after mailbox_control: the second mailbox's copied over the first's.
  auto raw = xipc::test::raw_region::open(xipc::name_kind::mailbox, name);
  auto raw_other = xipc::test::raw_region::open(xipc::name_kind::mailbox, other);
  constexpr std::size_t area = sizeof(xipc::detail::mailbox_control);
  ASSERT_EQ(raw.size(), raw_other.size());
  std::memcpy(raw.data() + area, raw_other.data() + area, raw.size() - area);
  try {
    mailbox::open(name);
    ADD_FAILURE() << "opened a mailbox whose area names another queue";
  } catch (const std::system_error& error) {
    EXPECT_EQ(error.code(), errc::corrupted);
    EXPECT_NE(std::string(error.what()).find("SysV key"), std::string::npos) << error.what();
  }
}
#endif

TEST(mailbox_backends, every_backend_of_this_build_is_listed) {
  EXPECT_TRUE(xipc::mailbox_backend_available(mailbox_backend::shm));
  EXPECT_EQ(xipc::mailbox_backend_available(mailbox_backend::posix_mq), XIPC_HAS_POSIX_MQ != 0);
  EXPECT_EQ(xipc::mailbox_backend_available(mailbox_backend::sysv), XIPC_HAS_SYSV_MQ != 0);
  EXPECT_EQ(xipc::mailbox_backend_available(mailbox_backend::mach_port), XIPC_HAS_MACH_PORTS != 0);
  EXPECT_EQ(xipc::to_string(mailbox_backend::sysv), "sysv");
  EXPECT_EQ(xipc::to_string(mailbox_backend::mach_port), "mach_port");
}

// ---- the mach_port backend (macOS) ------------------------------------------------

constexpr const char* no_mach_ports = "mach_port mailboxes need macOS's Mach ports: not in this build";

mailbox_options mach_options(std::size_t capacity = 8, std::size_t max = 256 * 1024) {
  return {.capacity = capacity,
          .max_message_bytes = max,
          .lifetime = xipc::mailbox_lifetime::owned,
          .backend = mailbox_backend::mach_port};
}

TEST(mailbox_mach_port, a_build_without_mach_ports_refuses_the_backend_by_name) {
  if (xipc::mailbox_backend_available(mailbox_backend::mach_port)) GTEST_SKIP() << "this build has Mach ports";
  mailbox_names names;
  try {
    mailbox::create(names.make("mach"), mach_options());
    FAIL() << "created";
  } catch (const std::system_error& error) {
    EXPECT_EQ(error.code(), errc::invalid_argument);
    EXPECT_NE(std::string(error.what()).find("mach_port backend (number 4) is not part of this build"),
              std::string::npos)
        << error.what();
  }
}

TEST(mailbox_mach_port, what_a_port_cannot_keep_is_refused_with_the_reason) {
  if (!xipc::mailbox_backend_available(mailbox_backend::mach_port)) GTEST_SKIP() << no_mach_ports;
  mailbox_names names;
  const auto refused = [&](mailbox_options options, const char* reason) {
    try {
      mailbox::create(names.make("mach"), options);
      ADD_FAILURE() << "created, where " << reason << " was expected";
    } catch (const std::system_error& error) {
      EXPECT_EQ(error.code(), errc::invalid_argument) << error.what();
      EXPECT_NE(std::string(error.what()).find(reason), std::string::npos) << error.what();
    }
  };
  auto persistent = mach_options();
  persistent.lifetime = xipc::mailbox_lifetime::persistent;
  refused(persistent, "must be mailbox_lifetime::owned");
  refused(mach_options(0), "cannot be a rendezvous");
  refused(mach_options(1025), "MACH_PORT_QLIMIT_MAX");
  auto shared_with_group = mach_options();
  shared_with_group.perms = xipc::permissions{0660, {}};
  refused(shared_with_group, "bootstrap namespaces");

  auto box = mailbox::create(names.make("mach"), mach_options());
  EXPECT_EQ(box.send(bytes_of(1), 3, 1s), errc::invalid_argument) << "a port's queue has no priorities";
  std::array<std::byte, 8> buffer{};
  EXPECT_EQ(box.try_receive(buffer).error, errc::would_block) << "the refused send queued nothing";
}

TEST(mailbox_mach_port, inline_and_out_of_line_messages_arrive_in_order_and_whole) {
  if (!xipc::mailbox_backend_available(mailbox_backend::mach_port)) GTEST_SKIP() << no_mach_ports;
  mailbox_names names;
  auto box = mailbox::create(names.make("mach"), mach_options(8));
  // Around the 16 KiB inline limit, and far above it (out of line).
  const std::vector<std::size_t> sizes = {1, 3, 100, 16383, 16384, 16385, 100000, 256 * 1024};
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    std::vector<std::byte> message(sizes[i]);
    for (std::size_t at = 0; at < message.size(); ++at) message[at] = static_cast<std::byte>((at * 7 + i) & 0xff);
    ASSERT_FALSE(box.send(message, 1s)) << sizes[i];
  }
  EXPECT_EQ(box.size(), sizes.size());
  std::vector<std::byte> buffer(256 * 1024);
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    // A buffer one byte short is refused with the size, and the message stays.
    if (sizes[i] > 1) {
      const auto short_by_one = box.try_receive({buffer.data(), sizes[i] - 1});
      EXPECT_EQ(short_by_one.error, errc::message_too_large) << sizes[i];
      EXPECT_EQ(short_by_one.bytes, sizes[i]);
    }
    const auto got = box.try_receive(buffer);
    ASSERT_FALSE(got.error) << sizes[i] << ": " << got.error.message();
    ASSERT_EQ(got.bytes, sizes[i]);
    for (std::size_t at = 0; at < got.bytes; ++at) {
      ASSERT_EQ(buffer[at], static_cast<std::byte>((at * 7 + i) & 0xff)) << "message " << i << ", byte " << at;
    }
  }
  EXPECT_EQ(box.try_receive(buffer).error, errc::would_block);
}

TEST(mailbox_mach_port, holds_capacity_messages_then_would_block) {
  if (!xipc::mailbox_backend_available(mailbox_backend::mach_port)) GTEST_SKIP() << no_mach_ports;
  mailbox_names names;
  auto box = mailbox::create(names.make("mach"), mach_options(4, 64));
  for (std::uint64_t value = 0; value < 4; ++value) ASSERT_FALSE(box.try_send(bytes_of(value))) << value;
  EXPECT_EQ(box.try_send(bytes_of(4)), errc::would_block);
  EXPECT_EQ(box.send(bytes_of(4), 50ms), errc::timed_out);
  EXPECT_EQ(box.size(), 4u);
  std::array<std::byte, 64> buffer{};
  for (std::uint64_t value = 0; value < 4; ++value) {
    const auto got = box.try_receive(buffer);
    ASSERT_FALSE(got.error);
    EXPECT_EQ(value_of({buffer.data(), got.bytes}), value);
  }
}

TEST(mailbox_mach_port, another_process_sends_in_order_and_cannot_receive) {
  if (!xipc::mailbox_backend_available(mailbox_backend::mach_port)) GTEST_SKIP() << no_mach_ports;
  mailbox_names names;
  const std::string name = names.make("mach");
  auto box = mailbox::create(name, mach_options(8, 64));
  auto sender = peer_process::start("mailbox_send_values_in_order", {name, "0", "2000"});
  std::array<std::byte, 64> buffer{};
  for (std::uint64_t expected = 0; expected < 2000; ++expected) {
    const auto got = box.receive(buffer, 10s);
    ASSERT_FALSE(got.error) << expected << ": " << got.error.message();
    ASSERT_EQ(value_of({buffer.data(), got.bytes}), expected) << "first in, first out";
  }
  EXPECT_EQ(sender.wait(), 0);
  ASSERT_FALSE(box.send(bytes_of(7), 1s));
  EXPECT_EQ(peer_process::start("mailbox_try_receive", {name}).wait(), 12)
      << "errc::not_supported: only the creating process holds the receive right";
  const auto got = box.try_receive(buffer);
  EXPECT_FALSE(got.error) << "the message is still there";
}

TEST(mailbox_mach_port, senders_see_peer_closed_when_the_creator_dies) {
  if (!xipc::mailbox_backend_available(mailbox_backend::mach_port)) GTEST_SKIP() << no_mach_ports;
  mailbox_names names;
  const std::string name = names.make("mach");
  auto owner = peer_process::start("mailbox_own", {name, arg(mailbox_backend::mach_port)});
  mailbox sender = open_when_created(name);
  ASSERT_TRUE(sender.is_open());
  EXPECT_EQ(sender.options().backend, mailbox_backend::mach_port);
  for (int i = 0; i < 4; ++i) ASSERT_FALSE(sender.send(bytes_of(1), 1s));
  owner.kill();
  EXPECT_EQ(sender.send(bytes_of(2), 5s), errc::peer_closed);
  std::error_code ec;
  mailbox::open(name, ec);
  EXPECT_EQ(ec, errc::not_found);
}

// ---- wait policies -------------------------------------------------------------------

class mailbox_wait_policy : public ::testing::TestWithParam<xipc::wait_mode> {
 protected:
  xipc::wait_policy policy() const { return {.mode = GetParam(), .spin_budget = std::chrono::microseconds(50)}; }
  mailbox_names names;
};

INSTANTIATE_TEST_SUITE_P(modes, mailbox_wait_policy,
                         ::testing::Values(xipc::wait_mode::spin, xipc::wait_mode::block, xipc::wait_mode::adaptive),
                         [](const auto& param_info) {
                           return param_info.param == xipc::wait_mode::spin    ? std::string("spin")
                                  : param_info.param == xipc::wait_mode::block ? std::string("block")
                                                                               : std::string("adaptive");
                         });

TEST(mailbox_wait_policy_value, is_adaptive_until_set_and_each_handle_keeps_its_own) {
  mailbox_names names;
  const std::string name = names.make("pol");
  auto first = mailbox::create(name, {.capacity = 2, .max_message_bytes = small_max});
  auto second = mailbox::open(name);
  EXPECT_EQ(first.get_wait_policy().mode, xipc::wait_mode::adaptive);
  first.set_wait_policy({.mode = xipc::wait_mode::spin, .spin_budget = std::chrono::microseconds(7)});
  EXPECT_EQ(first.get_wait_policy().mode, xipc::wait_mode::spin);
  EXPECT_EQ(first.get_wait_policy().spin_budget, std::chrono::microseconds(7));
  EXPECT_EQ(second.get_wait_policy().mode, xipc::wait_mode::adaptive) << "another handle keeps its own";
}

TEST_P(mailbox_wait_policy, a_receive_gets_a_message_sent_later_and_a_deadline_holds) {
  const std::string name = names.make("polrx");
  auto box = mailbox::create(name, {.capacity = 2, .max_message_bytes = small_max});
  box.set_wait_policy(policy());
  std::array<std::byte, small_max> buffer{};
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(box.receive(buffer, 30ms).error, errc::timed_out);
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, 30ms);
  EXPECT_LT(waited, 1s) << "the deadline holds whatever the policy";
  std::thread sender([&] {
    std::this_thread::sleep_for(20ms);
    auto other = mailbox::open(name);
    EXPECT_FALSE(other.send(bytes_of(42), 1s));
  });
  const auto got = box.receive(buffer, 5s);
  sender.join();
  ASSERT_FALSE(got.error) << got.error.message();
  EXPECT_EQ(got.bytes, sizeof(std::uint64_t));
}

TEST_P(mailbox_wait_policy, a_waiting_sender_learns_that_the_owner_died) {
  const std::string name = names.make("polown");
  auto owner = peer_process::start("mailbox_own", {name, arg(mailbox_backend::shm)});
  mailbox sender = open_when_created(name);
  ASSERT_TRUE(sender.is_open());
  sender.set_wait_policy(policy());
  for (int i = 0; i < 4; ++i) ASSERT_FALSE(sender.send(bytes_of(1), 1s));
  owner.kill();
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(sender.send(bytes_of(2), 5s), errc::peer_closed) << "a full mailbox's sender notices, spinning or not";
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
}

}  // namespace
