// The backend contract's process identity (backend/process_identity.hpp):
// a token names one live process, never a later one that reuses its id.
#include <gtest/gtest.h>
#include <xipc/anonymous_memory.hpp>

#include <atomic>
#include <new>

#include <chrono>
#include <thread>

#include "backend/process_identity.hpp"
#include "support/peer_process.hpp"

namespace {

using namespace std::chrono_literals;
using xipc::detail::current_process_token;
using xipc::detail::process_alive;
using xipc::detail::token_process_id;

constexpr int inherited_region = 5;

// Publishes its token in the inherited region, then waits until told to end.
XIPC_TEST_ROLE(publish_token_and_wait) {
  if (!args.empty()) return 2;
  auto region = xipc::anonymous_memory::adopt(xipc::test::handle_from_parent(inherited_region));
  auto* words = reinterpret_cast<std::atomic<std::uint64_t>*>(region.data());
  words[0].store(current_process_token());
  const auto give_up = std::chrono::steady_clock::now() + 60s;
  while (words[1].load() == 0 && std::chrono::steady_clock::now() < give_up) std::this_thread::sleep_for(1ms);
  return 0;
}

TEST(process_identity_contract, the_token_names_this_process_and_stays_the_same) {
  const std::uint64_t token = current_process_token();
  EXPECT_GT(token, 1u) << "0 and 1 mean \"no owner\" in shared layouts";
  EXPECT_EQ(token, current_process_token());
  EXPECT_TRUE(process_alive(token));
  std::uint64_t from_thread = 0;
  std::thread([&] { from_thread = current_process_token(); }).join();
  EXPECT_EQ(from_thread, token) << "every thread of a process shares its token";
}

TEST(process_identity_contract, a_token_with_this_pid_but_another_start_is_not_alive) {
  const std::uint64_t token = current_process_token();
  // Same process id, another start: what a reused pid looks like.
  EXPECT_FALSE(process_alive(token ^ 0x1));
  EXPECT_FALSE(process_alive(token ^ 0x8000));
  EXPECT_FALSE(process_alive(0));
}

TEST(process_identity_contract, another_process_has_its_own_token_until_it_ends) {
  auto region = xipc::anonymous_memory::create(4096);
  auto* words = new (region.data()) std::atomic<std::uint64_t>[2]{};
  auto peer = xipc::test::peer_process::start("publish_token_and_wait", {}, {{region.native_handle(), inherited_region}});
  const auto give_up = std::chrono::steady_clock::now() + 30s;
  while (words[0].load() == 0 && std::chrono::steady_clock::now() < give_up) std::this_thread::sleep_for(1ms);
  const std::uint64_t theirs = words[0].load();
  ASSERT_NE(theirs, 0u) << "the peer never published its token";
  EXPECT_NE(theirs, current_process_token());
  EXPECT_TRUE(process_alive(theirs));
  words[1].store(1);
  ASSERT_EQ(peer.wait(30s), 0);
  EXPECT_FALSE(process_alive(theirs)) << "an ended (and reaped) process";
}

}  // namespace
