#include <xipc/process_condition.hpp>

#include <gtest/gtest.h>
#include <xipc/detail/config.hpp>
#include <xipc/process_mutex.hpp>
#include <xipc/semaphore.hpp>
#include <xipc/shared_memory.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "support/object_names.hpp"
#include "support/peer_process.hpp"
#include "sync/sync_layout.hpp"

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
using xipc::deadline;
using xipc::errc;
using xipc::process_condition;
using xipc::process_mutex;
using xipc::semaphore;

struct condition_names : xipc::test::object_names {
  condition_names()
      : object_names([](const std::string& name) {
          process_condition::remove(name);
          process_mutex::remove(name);
          semaphore::remove(name);
          xipc::shared_memory::remove(name);
        }) {}
};

TEST(process_condition, a_notify_wakes_a_waiting_thread_with_the_mutex_held) {
  condition_names names;
  auto lock = process_mutex::create(names.make("lock"));
  auto ready = process_condition::create(names.make("ready"));
  int value = 0;  // plain: the mutex orders it
  std::thread notifier([&] {
    std::this_thread::sleep_for(20ms);
    ASSERT_FALSE(lock.lock(deadline::after(10s)));
    value = 42;
    ready.notify_one();
    lock.unlock();
  });
  ASSERT_FALSE(lock.lock());
  const std::error_code ec = ready.wait(lock, deadline::after(10s), [&] { return value != 0; });
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_EQ(value, 42);
  EXPECT_EQ(lock.try_lock(), errc::would_block) << "held after the wait";
  lock.unlock();
  notifier.join();
}

TEST(process_condition, a_wait_that_nobody_notifies_times_out_with_the_mutex_held) {
  condition_names names;
  auto lock = process_mutex::create(names.make("lock"));
  auto never = process_condition::create(names.make("never"));
  ASSERT_FALSE(lock.lock());
  const auto start = clock_type::now();
  EXPECT_EQ(never.wait(lock, deadline::after(60ms)), errc::timed_out);
  const auto took = clock_type::now() - start;
  EXPECT_GE(took, 60ms);
  EXPECT_LT(took, 2s);
  EXPECT_TRUE(xipc::lock_is_held(errc::timed_out));
  EXPECT_EQ(lock.try_lock(), errc::would_block) << "held after the timeout";
  EXPECT_EQ(never.wait(lock, deadline::immediately()), errc::would_block);
  EXPECT_EQ(never.wait(lock, deadline::after(20ms), [] { return false; }), errc::timed_out);
  lock.unlock();
  EXPECT_EQ(never.wait(lock, deadline::after(10ms)), errc::invalid_argument) << "not held";
  EXPECT_FALSE(lock.try_lock()) << "and not taken by the refused wait";
  lock.unlock();
}

TEST(process_condition, notify_all_wakes_every_waiter) {
  condition_names names;
  auto lock = process_mutex::create(names.make("lock"));
  auto go = process_condition::create(names.make("go"));
  bool started = false;
  int woken = 0;
  std::vector<std::thread> waiters;
  for (int t = 0; t < 4; ++t) {
    waiters.emplace_back([&] {
      ASSERT_FALSE(lock.lock(deadline::after(10s)));
      EXPECT_FALSE(go.wait(lock, deadline::after(10s), [&] { return started; }));
      ++woken;
      lock.unlock();
    });
  }
  std::this_thread::sleep_for(30ms);
  ASSERT_FALSE(lock.lock(deadline::after(10s)));
  started = true;
  go.notify_all();
  lock.unlock();
  for (auto& waiter : waiters) waiter.join();
  EXPECT_EQ(woken, 4);
}

// Layout of the shared region of the ping-pong: mutex, condition, then the turn.
constexpr std::size_t turn_offset = xipc::process_mutex_bytes + xipc::process_condition_bytes;

// Plays `side` (0 or 1) of `rounds` turns: waits for its turn, passes it on.
XIPC_TEST_ROLE(condition_take_turns) {
  if (args.size() != 3) return 2;
  auto region = xipc::shared_memory::open(args[0]);
  auto lock = process_mutex::attach({region.data(), xipc::process_mutex_bytes});
  auto turn_changed = process_condition::attach({region.data() + xipc::process_mutex_bytes,
                                                 xipc::process_condition_bytes});
  auto* turn = reinterpret_cast<std::uint64_t*>(region.data() + turn_offset);
  const std::uint64_t side = std::strtoull(args[1], nullptr, 10);
  const std::uint64_t rounds = std::strtoull(args[2], nullptr, 10);
  for (std::uint64_t round = 0; round < rounds; ++round) {
    if (lock.lock(deadline::after(30s))) return 1;
    // Every wait has a deadline: a lost wake-up fails the test instead of hanging it.
    if (turn_changed.wait(lock, deadline::after(30s), [&] { return *turn % 2 == side; })) return 3;
    *turn += 1;
    turn_changed.notify_one();
    lock.unlock();
  }
  return 0;
}

TEST(process_condition, two_processes_take_turns_without_a_lost_wake_up) {
  condition_names names;
  const std::string name = names.make("turns");
  auto region = xipc::shared_memory::create(name, 4096);
  process_mutex::format({region.data(), xipc::process_mutex_bytes});
  process_condition::format({region.data() + xipc::process_mutex_bytes, xipc::process_condition_bytes});
  constexpr int rounds = 5000;
  auto even = xipc::test::peer_process::start("condition_take_turns", {name, "0", std::to_string(rounds)});
  auto odd = xipc::test::peer_process::start("condition_take_turns", {name, "1", std::to_string(rounds)});
  EXPECT_EQ(even.wait(std::chrono::minutes(2)), 0);
  EXPECT_EQ(odd.wait(std::chrono::minutes(2)), 0);
  EXPECT_EQ(*reinterpret_cast<std::uint64_t*>(region.data() + turn_offset), std::uint64_t{2} * rounds);
}

TEST(process_condition, a_holder_that_keeps_the_mutex_past_the_deadline_makes_the_wait_busy) {
  condition_names names;
  const std::string mutex_name = names.make("kept");
  const std::string signal_name = names.make("signal");
  auto lock = process_mutex::create(mutex_name);
  auto never = process_condition::create(names.make("never"));
  auto told = semaphore::create(signal_name, 0);
  ASSERT_FALSE(lock.lock());
  // The peer blocks on the mutex, takes it while this process waits, and keeps it.
  auto peer = xipc::test::peer_process::start("mutex_hold_until_killed", {mutex_name, signal_name});
  const auto start = clock_type::now();
  const std::error_code ec = never.wait(lock, deadline::after(1500ms));
  const auto took = clock_type::now() - start;
  EXPECT_EQ(ec, errc::busy);
  EXPECT_FALSE(xipc::lock_is_held(ec));
  EXPECT_LT(took, 5s) << "the deadline is honoured whoever holds the mutex";
  EXPECT_FALSE(told.wait(deadline::after(10s))) << "the peer took the mutex during the wait";
  peer.kill();
  peer.wait();
  EXPECT_EQ(lock.lock(deadline::after(10s)), errc::owner_died);
  EXPECT_EQ(never.wait(lock, deadline::after(10s)), errc::owner_died) << "repair first: no sleep";
  EXPECT_FALSE(lock.consistent());
  lock.unlock();
}

TEST(process_condition, placed_memory_is_checked) {
  alignas(8) std::array<std::byte, xipc::process_condition_bytes + 8> memory{};
  std::error_code ec;
  process_condition::attach(memory, ec);
  EXPECT_EQ(ec, errc::corrupted);
  process_condition::format(std::span(memory).subspan(4, xipc::process_condition_bytes), ec);
  EXPECT_EQ(ec, errc::invalid_argument);
  process_condition::format(memory);
  const auto attached = process_condition::attach(memory, ec);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_TRUE(attached.is_open());
  memory[offsetof(xipc::detail::process_condition_layout, version)] = std::byte{9};
  process_condition::attach(memory, ec);
  EXPECT_EQ(ec, errc::corrupted);
  try {
    process_condition::attach(memory);
    ADD_FAILURE() << "attached to a damaged condition";
  } catch (const std::system_error& error) {
    EXPECT_NE(std::string(error.what()).find("version 9"), std::string::npos) << error.what();
  }
}

TEST(process_condition, setup_errors_name_the_condition) {
  condition_names names;
  const std::string name = names.make("setup");
  std::error_code ec;
  process_condition::open(name, ec);
  EXPECT_EQ(ec, errc::not_found);
  process_condition::create("a/b", ec);
  EXPECT_EQ(ec, errc::invalid_name);
  auto made = process_condition::create(name);
  process_condition::create(name, ec);
  EXPECT_EQ(ec, errc::already_exists);
  try {
    process_condition::create(name);
    ADD_FAILURE() << "created twice";
  } catch (const std::system_error& error) {
    EXPECT_NE(std::string(error.what()).find("process_condition"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find(name), std::string::npos) << error.what();
  }
  EXPECT_TRUE(process_condition::open(name).is_open());
  EXPECT_TRUE(process_condition::remove(name));
}

}  // namespace
