#include <xipc/process_mutex.hpp>

#include <gtest/gtest.h>
#include <xipc/detail/config.hpp>
#include <xipc/semaphore.hpp>
#include <xipc/shared_memory.hpp>

#include <array>
#include <atomic>
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
using xipc::deadline;
using xipc::errc;
using xipc::process_mutex;
using xipc::semaphore;

struct sync_names : xipc::test::object_names {
  sync_names()
      : object_names([](const std::string& name) {
          process_mutex::remove(name);
          semaphore::remove(name);
          xipc::shared_memory::remove(name);
        }) {}
};

TEST(process_mutex, excludes_and_lets_go) {
  sync_names names;
  auto guard = process_mutex::create(names.make("basic"));
  ASSERT_FALSE(guard.lock());
  EXPECT_EQ(guard.try_lock(), errc::would_block) << "not recursive";
  EXPECT_EQ(guard.lock(deadline::after(30ms)), errc::timed_out);
  guard.unlock();
  EXPECT_FALSE(guard.try_lock());
  guard.unlock();
}

TEST(process_mutex, threads_of_one_process_exclude_each_other) {
  sync_names names;
  auto guard = process_mutex::create(names.make("threads"));
  long counter = 0;  // plain: only the mutex orders the threads' updates
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        ASSERT_FALSE(guard.lock(deadline::after(30s)));
        ++counter;
        guard.unlock();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(counter, 8000);
}

// Takes the named mutex, says so through the named semaphore, and holds it until killed.
XIPC_TEST_ROLE(mutex_hold_until_killed) {
  if (args.size() != 2) return 2;
  auto guard = process_mutex::open(args[0]);
  auto told = semaphore::open(args[1]);
  if (guard.lock(deadline::after(30s))) return 1;
  if (told.post()) return 1;
  std::this_thread::sleep_for(60s);
  return 3;
}

// Starts a peer that holds `mutex` and waits until it does.
xipc::test::peer_process holder_of(const std::string& mutex, const std::string& signal) {
  auto told = semaphore::create(signal, 0);
  auto peer = xipc::test::peer_process::start("mutex_hold_until_killed", {mutex, signal});
  EXPECT_FALSE(told.wait(deadline::after(30s))) << "the peer never took the mutex";
  return peer;
}

TEST(process_mutex, a_killed_holder_hands_over_with_owner_died_and_repair_makes_it_consistent) {
  sync_names names;
  const std::string name = names.make("killed");
  auto guard = process_mutex::create(name);
  auto peer = holder_of(name, names.make("signal"));
  EXPECT_EQ(guard.try_lock(), errc::would_block) << "a live holder keeps it";
  peer.kill();
  peer.wait();
  ASSERT_EQ(guard.lock(deadline::after(10s)), errc::owner_died);
  // The repair path: the holder says it fixed what the mutex protects.
  EXPECT_FALSE(guard.consistent());
  guard.unlock();
  EXPECT_FALSE(guard.lock(deadline::after(1s))) << "consistent again";
  guard.unlock();
}

TEST(process_mutex, unlocked_without_repair_it_is_not_recoverable) {
  sync_names names;
  const std::string name = names.make("unrepaired");
  auto guard = process_mutex::create(name);
  auto peer = holder_of(name, names.make("signal"));
  peer.kill();
  peer.wait();
  ASSERT_EQ(guard.lock(deadline::after(10s)), errc::owner_died);
  guard.unlock();
  EXPECT_EQ(guard.lock(deadline::after(1s)), errc::not_recoverable);
  EXPECT_EQ(process_mutex::open(name).try_lock(), errc::not_recoverable) << "for every process";
}

// Unlocks the named mutex it does not hold, then reports whether it could take it.
XIPC_TEST_ROLE(mutex_unlock_not_held) {
  if (args.size() != 1) return 2;
  auto guard = process_mutex::open(args[0]);
  guard.unlock();
  return guard.try_lock() == errc::would_block ? 0 : 1;
}

TEST(process_mutex, another_process_cannot_unlock_it) {
  sync_names names;
  const std::string name = names.make("foreign");
  auto guard = process_mutex::create(name);
  ASSERT_FALSE(guard.lock());
  EXPECT_EQ(xipc::test::peer_process::start("mutex_unlock_not_held", {name}).wait(), 0);
  guard.unlock();
}

TEST(process_mutex, consistent_needs_the_mutex_held) {
  sync_names names;
  auto guard = process_mutex::create(names.make("consistent"));
  EXPECT_EQ(guard.consistent(), errc::invalid_argument);
  ASSERT_FALSE(guard.lock());
  EXPECT_FALSE(guard.consistent()) << "nothing to repair is no error";
  guard.unlock();
}

// Adds 1 to the counter after the placed mutex, `count` times, under the mutex.
XIPC_TEST_ROLE(mutex_increment) {
  if (args.size() != 2) return 2;
  auto region = xipc::shared_memory::open(args[0]);
  auto guard = process_mutex::attach({region.data(), xipc::process_mutex_bytes});
  auto* counter = reinterpret_cast<std::uint64_t*>(region.data() + xipc::process_mutex_bytes);
  const long count = std::atol(args[1]);
  for (long i = 0; i < count; ++i) {
    if (guard.lock(deadline::after(60s))) return 1;
    *counter = *counter + 1;
    guard.unlock();
  }
  return 0;
}

TEST(process_mutex, eight_processes_increment_a_placed_counter_exactly) {
  sync_names names;
  const std::string name = names.make("counter");
  auto region = xipc::shared_memory::create(name, 4096);
  auto guard = process_mutex::format({region.data(), xipc::process_mutex_bytes});
  constexpr int processes = 8;
  constexpr long each = 100000;
  std::vector<xipc::test::peer_process> peers;
  for (int p = 0; p < processes; ++p) {
    peers.push_back(xipc::test::peer_process::start("mutex_increment", {name, std::to_string(each)}));
  }
  for (auto& peer : peers) EXPECT_EQ(peer.wait(std::chrono::minutes(2)), 0);
  ASSERT_FALSE(guard.lock());
  EXPECT_EQ(*reinterpret_cast<std::uint64_t*>(region.data() + xipc::process_mutex_bytes),
            std::uint64_t{processes} * each);
  guard.unlock();
}

TEST(process_mutex, placed_memory_is_checked) {
  alignas(8) std::array<std::byte, xipc::process_mutex_bytes + 8> memory{};
  std::error_code ec;
  process_mutex::attach(memory, ec);
  EXPECT_EQ(ec, errc::corrupted);
  process_mutex::format(std::span(memory).subspan(4, xipc::process_mutex_bytes), ec);
  EXPECT_EQ(ec, errc::invalid_argument);
  auto placed = process_mutex::format(memory);
  memory[offsetof(xipc::detail::process_mutex_layout, state)] = std::byte{7};  // no such state
  EXPECT_EQ(placed.lock(deadline::after(1s)), errc::corrupted);
  process_mutex::attach(memory, ec);
  EXPECT_EQ(ec, errc::corrupted);
}

TEST(process_mutex, setup_errors_name_the_mutex) {
  sync_names names;
  const std::string name = names.make("setup");
  std::error_code ec;
  process_mutex::open(name, ec);
  EXPECT_EQ(ec, errc::not_found);
  process_mutex::create("..", ec);
  EXPECT_EQ(ec, errc::invalid_name);
  auto made = process_mutex::create(name);
  process_mutex::create(name, ec);
  EXPECT_EQ(ec, errc::already_exists);
  EXPECT_TRUE(process_mutex::remove(name));
#if !XIPC_OS_WINDOWS
  // Windows keeps a section, and its name, while a handle is open (docs/windows.md).
  EXPECT_FALSE(process_mutex::remove(name));
#endif
  EXPECT_FALSE(made.try_lock()) << "an open handle outlives the name";
  made.unlock();
}

}  // namespace
