#include <xipc/semaphore.hpp>

#include <gtest/gtest.h>
#include <xipc/detail/config.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <cstring>
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
using xipc::semaphore;

struct semaphore_names : xipc::test::object_names {
  semaphore_names() : object_names([](const std::string& name) { semaphore::remove(name); }) {}
};

TEST(semaphore, counts_down_to_zero_then_would_block) {
  semaphore_names names;
  auto slots = semaphore::create(names.make("count"), 2);
  EXPECT_EQ(slots.value(), 2u);
  EXPECT_TRUE(slots.try_wait());
  EXPECT_FALSE(slots.wait(deadline::immediately()));
  EXPECT_EQ(slots.value(), 0u);
  EXPECT_EQ(slots.wait(deadline::immediately()), errc::would_block);
  EXPECT_FALSE(slots.try_wait());
  EXPECT_EQ(slots.wait(deadline::after(20ms)), errc::timed_out);
  ASSERT_FALSE(slots.post(3));
  EXPECT_EQ(slots.value(), 3u);
}

TEST(semaphore, a_post_wakes_a_waiting_thread) {
  semaphore_names names;
  auto ready = semaphore::create(names.make("wake"), 0);
  std::atomic<bool> woke{false};
  std::thread waiter([&] {
    EXPECT_FALSE(ready.wait(deadline::after(60s)));
    woke = true;
  });
  std::this_thread::sleep_for(30ms);
  EXPECT_FALSE(woke);
  ASSERT_FALSE(ready.post());
  waiter.join();
  EXPECT_TRUE(woke);
  EXPECT_EQ(ready.value(), 0u);
}

TEST(semaphore, a_post_beyond_the_largest_count_adds_nothing) {
  semaphore_names names;
  auto full = semaphore::create(names.make("full"), xipc::semaphore_max_value - 1);
  EXPECT_EQ(full.post(2), errc::invalid_argument);
  EXPECT_EQ(full.value(), xipc::semaphore_max_value - 1);
  EXPECT_FALSE(full.post(1));
  EXPECT_EQ(full.post(0), errc::invalid_argument);
  std::error_code ec;
  semaphore::create(names.make("too_many"), xipc::semaphore_max_value + 1u, ec);
  EXPECT_EQ(ec, errc::invalid_argument);
}

TEST(semaphore, setup_errors_name_the_semaphore_and_the_problem) {
  semaphore_names names;
  const std::string name = names.make("setup");
  std::error_code ec;
  semaphore::open(name, ec);
  EXPECT_EQ(ec, errc::not_found);
  semaphore::create("bad/name", 1, ec);
  EXPECT_EQ(ec, errc::invalid_name);
  auto made = semaphore::create(name, 1);
  try {
    semaphore::create(name, 1);
    ADD_FAILURE() << "created twice";
  } catch (const std::system_error& error) {
    EXPECT_EQ(error.code(), errc::already_exists);
    EXPECT_NE(std::string(error.what()).find("semaphore"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find(name), std::string::npos) << error.what();
  }
  EXPECT_TRUE(semaphore::remove(name));
#if !XIPC_OS_WINDOWS
  // Windows keeps a section, and its name, while a handle is open (docs/windows.md).
  EXPECT_FALSE(semaphore::remove(name));
#endif
  EXPECT_FALSE(made.post()) << "an open handle outlives the name";
}

TEST(semaphore, a_placed_semaphore_checks_its_memory) {
  alignas(8) std::array<std::byte, xipc::semaphore_bytes + 8> memory{};
  std::error_code ec;
  semaphore::attach(memory, ec);
  EXPECT_EQ(ec, errc::corrupted) << "zeroed memory holds no semaphore";
  semaphore::format(std::span(memory).subspan(1, xipc::semaphore_bytes), 1, ec);
  EXPECT_EQ(ec, errc::invalid_argument) << "misaligned";
  semaphore::format(std::span(memory).first(16), 1, ec);
  EXPECT_EQ(ec, errc::invalid_argument) << "too small";
  auto placed = semaphore::format(memory, 1);
  auto attached = semaphore::attach(memory);
  EXPECT_TRUE(attached.try_wait());
  EXPECT_FALSE(placed.try_wait()) << "one count, two handles";
  // A count beyond the largest is damage, reported rather than used.
  std::uint32_t wild = 0xfffffff0u;
  std::memcpy(memory.data() + offsetof(xipc::detail::semaphore_layout, count), &wild, sizeof wild);
  EXPECT_EQ(attached.wait(deadline::immediately()), errc::corrupted);
  EXPECT_EQ(attached.post(), errc::corrupted);
  semaphore::attach(memory, ec);
  EXPECT_EQ(ec, errc::corrupted);
}

XIPC_TEST_ROLE(semaphore_post_n) {
  // args: name count
  if (args.size() != 2) return 2;
  auto ready = semaphore::open(args[0]);
  const int count = std::atoi(args[1]);
  for (int i = 0; i < count; ++i) {
    if (ready.post()) return 1;
  }
  return 0;
}

TEST(semaphore, counts_posted_by_other_processes_are_all_taken) {
  semaphore_names names;
  const std::string name = names.make("procs");
  auto ready = semaphore::create(name, 0);
  std::vector<xipc::test::peer_process> posters;
  for (int i = 0; i < 3; ++i) posters.push_back(xipc::test::peer_process::start("semaphore_post_n", {name, "1000"}));
  for (int taken = 0; taken < 3000; ++taken) ASSERT_FALSE(ready.wait(deadline::after(30s))) << taken;
  for (auto& poster : posters) EXPECT_EQ(poster.wait(), 0);
  EXPECT_EQ(ready.value(), 0u);
  EXPECT_EQ(ready.wait(deadline::immediately()), errc::would_block);
}

}  // namespace
