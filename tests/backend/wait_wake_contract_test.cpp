// The backend contract's waiting (backend/wait_wake.hpp) and the event count
// on it (xipc/detail/event_count.hpp): one suite, run with the word in each
// kind of memory a backend must support.
#include <gtest/gtest.h>
#include <xipc/anonymous_memory.hpp>
#include <xipc/shared_memory.hpp>
#include <xipc/detail/event_count.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <new>
#include <thread>
#include <vector>

#include "backend/wait_wake.hpp"
#include "backend/mechanism_name.hpp"
#include "support/object_names.hpp"
#include "support/peer_process.hpp"
#include "sync/wait_word.hpp"

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
using xipc::detail::event_count;
using xipc::detail::wait_word;

// A wait word, its sleeper count and the condition, as they lie in shared memory.
struct shared_event {
  wait_word word;
  std::atomic<std::uint32_t> sleepers;
  std::atomic<std::uint32_t> condition;
  event_count event() noexcept { return {word, sleepers}; }
};

shared_event* format_at(std::byte* memory) {
  auto* event = new (memory) shared_event{};
  xipc::detail::format_wait_word(event->word);
  return event;
}

// Where the word lives: this process's heap, a named region, an anonymous one.
struct heap_memory {
  static constexpr const char* name = "heap";
  std::unique_ptr<std::byte[]> bytes = std::make_unique<std::byte[]>(sizeof(shared_event) + 64);
  std::byte* data() { return bytes.get(); }
};
struct named_memory {
  static constexpr const char* name = "shared_memory";
  xipc::test::object_names names{[](const std::string& object) { xipc::shared_memory::remove(object); }};
  xipc::shared_memory region = xipc::shared_memory::create(names.make("waitword"), 4096);
  std::byte* data() { return region.data(); }
};
struct anonymous_region {
  static constexpr const char* name = "anonymous_memory";
  xipc::anonymous_memory region = xipc::anonymous_memory::create(4096);
  std::byte* data() { return region.data(); }
};

template <class Memory>
class wait_wake_contract : public ::testing::Test {
 protected:
  Memory memory;
  shared_event* shared_ = format_at(memory.data());
};
using memories = ::testing::Types<heap_memory, named_memory, anonymous_region>;
TYPED_TEST_SUITE(wait_wake_contract, memories, xipc::test::mechanism_name);

TYPED_TEST(wait_wake_contract, a_stale_key_does_not_sleep) {
  // The word moved on since the key was read: the wait returns at once, not after 30 s.
  const std::uint32_t stale = this->shared_->word.value.load();
  this->shared_->word.value.fetch_add(1);
  const auto start = clock_type::now();
  xipc::detail::wait_on_word(this->shared_->word, stale, 30s);
  EXPECT_LT(clock_type::now() - start, 10s);
}

TYPED_TEST(wait_wake_contract, a_wake_ends_a_long_sleep_of_another_thread) {
  shared_event& shared = *this->shared_;
  std::atomic<bool> done{false};
  std::thread sleeper([&] {
    event_count event = shared.event();
    while (shared.condition.load(std::memory_order_acquire) == 0) {
      const std::uint32_t key = event.prepare_wait();
      if (shared.condition.load(std::memory_order_acquire) != 0) {
        event.cancel_wait(key);
        break;
      }
      event.wait(key, 60s);
    }
    done = true;
  });
  // Let it fall asleep, then change the condition and notify.
  const auto give_up = clock_type::now() + 10s;
  while (event_count::count_of(shared.sleepers.load()) == 0 && clock_type::now() < give_up) {
    std::this_thread::sleep_for(1ms);
  }
  std::this_thread::sleep_for(20ms);
  const auto start = clock_type::now();
  shared.condition.store(1, std::memory_order_release);
  shared.event().notify();
  sleeper.join();
  EXPECT_TRUE(done);
  EXPECT_LT(clock_type::now() - start, 30s) << "the sleeper slept out its own timeout instead";
  EXPECT_FALSE(shared.event().has_sleepers()) << "nobody is left to wake";
}

TYPED_TEST(wait_wake_contract, one_wake_ends_every_sleep) {
  shared_event& shared = *this->shared_;
  constexpr int sleepers = 4;
  std::vector<std::thread> threads;
  for (int i = 0; i < sleepers; ++i) {
    threads.emplace_back([&] {
      event_count event = shared.event();
      for (;;) {
        const std::uint32_t key = event.prepare_wait();
        if (shared.condition.load(std::memory_order_acquire) != 0) {
          event.cancel_wait(key);
          return;
        }
        event.wait(key, 60s);
      }
    });
  }
  const auto give_up = clock_type::now() + 10s;
  while (event_count::count_of(shared.sleepers.load()) < sleepers && clock_type::now() < give_up) {
    std::this_thread::sleep_for(1ms);
  }
  const auto start = clock_type::now();
  shared.condition.store(1, std::memory_order_release);
  shared.event().notify();
  for (auto& thread : threads) thread.join();
  EXPECT_LT(clock_type::now() - start, 30s);
}

TYPED_TEST(wait_wake_contract, notify_without_sleepers_changes_nothing) {
  const std::uint32_t before = this->shared_->word.value.load();
  this->shared_->event().notify();
  this->shared_->event().notify_seq_cst();
  EXPECT_EQ(this->shared_->word.value.load(), before) << "nobody slept: no epoch bump, no system call";
  this->shared_->event().wake_all();
  EXPECT_NE(this->shared_->word.value.load(), before);
}

// A sleeper woken but not yet running (here: one that announced and has not
// slept) is not woken again: a busy notifier would otherwise pay a wake, a
// system call, for every change until the sleeper runs.
TYPED_TEST(wait_wake_contract, a_woken_sleeper_is_not_woken_again) {
  event_count event = this->shared_->event();
  auto& epoch = this->shared_->word.value;
  const std::uint32_t key = event.prepare_wait();
  event.notify();
  EXPECT_EQ(epoch.load(), key + 1) << "the announced sleeper is woken";
  event.notify();
  event.notify_seq_cst();
  EXPECT_FALSE(event.has_sleepers_light());
  EXPECT_EQ(epoch.load(), key + 1) << "and only once";
  event.cancel_wait(key);
  // A new announcement is woken again.
  const std::uint32_t again = event.prepare_wait();
  EXPECT_EQ(again, key + 1);
  EXPECT_TRUE(event.has_sleepers_light());
  event.notify_seq_cst();
  EXPECT_EQ(epoch.load(), key + 2);
  event.cancel_wait(again);
}

// An announcement at a newer epoch is never undone by a sleeper of an older
// one withdrawing, and a withdrawal takes back only its own.
TYPED_TEST(wait_wake_contract, an_old_withdrawal_leaves_a_new_announcement) {
  event_count event = this->shared_->event();
  const std::uint32_t old_key = event.prepare_wait();
  event.wake_all();
  const std::uint32_t new_key = event.prepare_wait();
  ASSERT_NE(new_key, old_key);
  event.cancel_wait(old_key);
  EXPECT_TRUE(event.has_sleepers()) << "the newer sleeper must still be woken";
  const std::uint32_t second = event.prepare_wait();
  EXPECT_EQ(event_count::count_of(this->shared_->sleepers.load()), 2u);
  event.cancel_wait(second);
  EXPECT_TRUE(event.has_sleepers());
  event.cancel_wait(new_key);
  EXPECT_FALSE(event.has_sleepers()) << "both withdrew: nobody to wake";
}

// More sleepers than the count holds: it stays at its most, and a notify
// still wakes, however many of them withdrew.
TYPED_TEST(wait_wake_contract, a_full_count_wakes_rather_than_forgets) {
  event_count event = this->shared_->event();
  std::vector<std::uint32_t> keys;
  for (int i = 0; i < 300; ++i) keys.push_back(event.prepare_wait());
  EXPECT_EQ(event_count::count_of(this->shared_->sleepers.load()), event_count::count_mask);
  for (std::size_t i = 0; i + 1 < keys.size(); ++i) event.cancel_wait(keys[i]);
  EXPECT_TRUE(event.has_sleepers()) << "one sleeper is left, and the count cannot say which";
  const std::uint32_t before = this->shared_->word.value.load();
  event.notify();
  EXPECT_EQ(this->shared_->word.value.load(), before + 1);
  EXPECT_FALSE(event.has_sleepers());
}

// Sleepers and notifiers racing, round after round: each round needs a wake
// (every sleeper waits for the next value), so one that is lost shows as a
// sleep that ran to its timeout.
TYPED_TEST(wait_wake_contract, no_wake_is_lost_when_sleepers_and_notifiers_race) {
  shared_event& shared = *this->shared_;
  constexpr int sleepers = 3;
  constexpr std::uint32_t rounds = 3000;
  std::atomic<int> slept_out{0};
  std::atomic<std::uint32_t> seen[sleepers] = {};
  std::vector<std::thread> threads;
  for (int i = 0; i < sleepers; ++i) {
    threads.emplace_back([&, i] {
      event_count event = shared.event();
      for (std::uint32_t want = 1; want <= rounds; ++want) {
        for (;;) {
          if (shared.condition.load(std::memory_order_acquire) >= want) break;
          const std::uint32_t key = event.prepare_wait();
          if (shared.condition.load(std::memory_order_acquire) >= want) {
            event.cancel_wait(key);
            break;
          }
          const auto start = clock_type::now();
          event.wait(key, 20s);
          if (clock_type::now() - start >= 20s) ++slept_out;
        }
        seen[i].store(want, std::memory_order_release);
      }
    });
  }
  for (std::uint32_t value = 1; value <= rounds; ++value) {
    shared.condition.store(value, std::memory_order_release);
    shared.event().notify();
    // Every sleeper takes this value before the next: each round starts with sleepers asleep or about to be.
    for (auto& one : seen) {
      while (one.load(std::memory_order_acquire) < value) std::this_thread::yield();
    }
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(slept_out.load(), 0) << "a wake-up was lost";
}

// Another process sleeps on the word in an anonymous region it inherited.
constexpr int inherited_region = 5;

XIPC_TEST_ROLE(sleep_on_inherited_word) {
  if (!args.empty()) return 2;
  auto region = xipc::anonymous_memory::adopt(xipc::test::handle_from_parent(inherited_region));
  auto& shared = *reinterpret_cast<shared_event*>(region.data());
  event_count event = shared.event();
  const auto give_up = clock_type::now() + 60s;
  while (shared.condition.load(std::memory_order_acquire) == 0) {
    if (clock_type::now() > give_up) return 1;
    const std::uint32_t key = event.prepare_wait();
    if (shared.condition.load(std::memory_order_acquire) != 0) {
      event.cancel_wait(key);
      break;
    }
    event.wait(key, 60s);
  }
  return 0;
}

TEST(wait_wake_contract_processes, a_wake_reaches_a_sleeper_in_another_process) {
  auto region = xipc::anonymous_memory::create(4096);
  shared_event& shared = *format_at(region.data());
  auto peer = xipc::test::peer_process::start("sleep_on_inherited_word", {},
                                              {{region.native_handle(), inherited_region}});
  const auto give_up = clock_type::now() + 30s;
  while (event_count::count_of(shared.sleepers.load()) == 0 && clock_type::now() < give_up) {
    std::this_thread::sleep_for(1ms);
  }
  ASSERT_EQ(event_count::count_of(shared.sleepers.load()), 1u) << "the peer never went to sleep";
  std::this_thread::sleep_for(20ms);
  shared.condition.store(1, std::memory_order_release);
  shared.event().notify();
  // It sleeps for 60 s unless woken; 30 s is the longest a woken peer may take here.
  EXPECT_EQ(peer.wait(30s), 0);
}

}  // namespace
