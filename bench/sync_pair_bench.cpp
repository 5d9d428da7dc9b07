// The synchronization objects between two processes, each against the raw
// futex code that does the same and against Boost.Interprocess, in one run:
//
//   */ping_pong  a post wakes the partner's wait, whose post wakes ours: two
//                semaphores, one round trip per iteration (rtt_ns).
//   */turns      two processes take turns under one mutex: each locks, and
//                when the shared counter says it is its turn, counts; one
//                iteration is one turn of each, so two handoffs of the mutex.
//
// The futex baselines are the textbook ones (Drepper, "Futexes are tricky":
// the three-state mutex; a count and a sleeper count per semaphore), in two
// forms: sleeping at once (futex_*), and first polling as xipc's objects do,
// 100 polls 4 pauses apart (futex_*_polling): the raw code that does what
// xipc does, which is the ratio that says what xipc's checks cost.
#include <benchmark/benchmark.h>
#include <unistd.h>
#include <xipc/detail/config.hpp>
#if XIPC_HAS_FUTEX
#include <linux/futex.h>
#include <sys/syscall.h>
#endif

#include <atomic>
#include <boost/interprocess/sync/named_mutex.hpp>
#include <boost/interprocess/sync/named_semaphore.hpp>
#include <chrono>
#include <climits>
#include <cstdint>
#include <new>
#include <string>
#include <xipc/anonymous_memory.hpp>
#include <xipc/detail/config.hpp>
#include <xipc/process_mutex.hpp>
#include <xipc/semaphore.hpp>

#include "machine.hpp"
#include "process_pair.hpp"

namespace {

namespace bip = boost::interprocess;
using namespace std::chrono_literals;

std::string bench_name(const char* what) { return std::string("xb") + std::to_string(::getpid()) + "." + what; }

#if XIPC_HAS_FUTEX
long futex(std::atomic<std::uint32_t>& word, int op, std::uint32_t value) {
  return ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), op, value, nullptr, nullptr, 0);
}

// As xipc's objects poll before they sleep.
constexpr int polls = 100;
template <class Ready>
bool poll_until(Ready&& ready) {
  for (int poll = 0; poll < polls; ++poll) {
    for (int pause = 0; pause < 4; ++pause) XIPC_CPU_RELAX();
    if (ready()) return true;
  }
  return false;
}

// Drepper's mutex: 0 free, 1 held, 2 held with (maybe) sleepers.
template <bool Polling>
struct futex_mutex {
  std::atomic<std::uint32_t> word{0};
  void lock() {
    std::uint32_t c = 0;
    if (word.compare_exchange_strong(c, 1, std::memory_order_acquire)) return;
    if (Polling && poll_until([&] {
          c = 0;
          return word.load(std::memory_order_relaxed) == 0 &&
                 word.compare_exchange_strong(c, 1, std::memory_order_acquire);
        })) {
      return;
    }
    if (c != 2) c = word.exchange(2, std::memory_order_acquire);
    while (c != 0) {
      futex(word, FUTEX_WAIT, 2);
      c = word.exchange(2, std::memory_order_acquire);
    }
  }
  void unlock() {
    if (word.fetch_sub(1, std::memory_order_release) != 1) {
      word.store(0, std::memory_order_release);
      futex(word, FUTEX_WAKE, 1);
    }
  }
};

// A futex semaphore: a count, and a count of sleepers so that a post makes no
// system call when nobody sleeps.
template <bool Polling>
struct futex_semaphore {
  std::atomic<std::uint32_t> count{0};
  std::atomic<std::uint32_t> sleepers{0};
  void post() {
    count.fetch_add(1, std::memory_order_seq_cst);
    if (sleepers.load(std::memory_order_seq_cst) != 0) futex(count, FUTEX_WAKE, 1);
  }
  void wait() {
    if (Polling) poll_until([&] { return count.load(std::memory_order_relaxed) != 0; });
    for (;;) {
      std::uint32_t c = count.load(std::memory_order_relaxed);
      while (c != 0) {
        if (count.compare_exchange_weak(c, c - 1, std::memory_order_acquire)) return;
      }
      sleepers.fetch_add(1, std::memory_order_seq_cst);
      futex(count, FUTEX_WAIT, 0);
      sleepers.fetch_sub(1, std::memory_order_relaxed);
    }
  }
};

#endif

// What the two processes share, each object on its own lines.
struct pair_area {
  alignas(128) std::atomic<std::uint32_t> stop{0};
  alignas(128) std::byte first[64];   // semaphore / process_mutex / futex object
  alignas(128) std::byte second[64];  // the other semaphore
  alignas(128) std::uint64_t turn = 0;
};

// Runs a ping-pong: `pass(first)` wakes the partner, which passes `second`
// back. Sem is given the area's two slots.
template <class Post, class Wait>
void run_ping_pong(benchmark::State& state, pair_area* area, Post&& post, Wait&& wait) {
  const double floor_before = xipc::bench::floor_rtt_now();
  xipc::bench::partner_process partner([&] {
    for (;;) {
      wait(area->first);
      if (area->stop.load(std::memory_order_acquire) != 0) return;
      post(area->second);
    }
  });
  xipc::bench::pin_to_core(0);
  xipc::bench::latency_samples samples;
  const auto elapsed = xipc::bench::timed_round_trips(state, samples, [&] {
    post(area->first);
    wait(area->second);
    return true;
  });
  area->stop.store(1, std::memory_order_release);
  post(area->first);
  samples.report(state);
  xipc::bench::report_rtt(state, elapsed, floor_before);
}

template <class Semaphore>
Semaphore& at(std::byte* slot) {
  return *std::launder(reinterpret_cast<Semaphore*>(slot));
}

void semaphore_ping_pong(benchmark::State& state) {
  auto memory = xipc::anonymous_memory::create(sizeof(pair_area));
  auto* area = new (memory.data()) pair_area;
  auto first = xipc::semaphore::format(area->first, 0);
  auto second = xipc::semaphore::format(area->second, 0);
  run_ping_pong(
      state, area,
      [&](std::byte* slot) { (slot == area->first ? first : second).post(); },
      [&](std::byte* slot) { (void)(slot == area->first ? first : second).wait(30s); });
}

#if XIPC_HAS_FUTEX
template <bool Polling>
void futex_semaphore_ping_pong(benchmark::State& state) {
  using semaphore = futex_semaphore<Polling>;
  auto memory = xipc::anonymous_memory::create(sizeof(pair_area));
  auto* area = new (memory.data()) pair_area;
  new (area->first) semaphore;
  new (area->second) semaphore;
  run_ping_pong(
      state, area, [](std::byte* slot) { at<semaphore>(slot).post(); },
      [](std::byte* slot) { at<semaphore>(slot).wait(); });
}

#endif

void boost_semaphore_ping_pong(benchmark::State& state) {
  auto memory = xipc::anonymous_memory::create(sizeof(pair_area));
  auto* area = new (memory.data()) pair_area;
  const std::string first_name = bench_name("bsem1");
  const std::string second_name = bench_name("bsem2");
  bip::named_semaphore::remove(first_name.c_str());
  bip::named_semaphore::remove(second_name.c_str());
  {
    bip::named_semaphore first(bip::create_only, first_name.c_str(), 0);
    bip::named_semaphore second(bip::create_only, second_name.c_str(), 0);
    run_ping_pong(
        state, area, [&](std::byte* slot) { (slot == area->first ? first : second).post(); },
        [&](std::byte* slot) { (slot == area->first ? first : second).wait(); });
  }
  bip::named_semaphore::remove(first_name.c_str());
  bip::named_semaphore::remove(second_name.c_str());
}

// Takes turns under `lock`/`unlock`: side 0 is this process, side 1 the partner.
template <class Lock, class Unlock>
void run_turns(benchmark::State& state, pair_area* area, Lock&& lock, Unlock&& unlock) {
  const auto take_turn = [&](std::uint64_t side) {
    for (;;) {
      lock();
      if (area->turn % 2 == side) {
        area->turn += 1;
        unlock();
        return;
      }
      unlock();
      if (area->stop.load(std::memory_order_relaxed) != 0) return;
    }
  };
  xipc::bench::partner_process partner([&] {
    while (area->stop.load(std::memory_order_relaxed) == 0) take_turn(1);
  });
  xipc::bench::pin_to_core(0);
  for (int i = 0; i < 1000; ++i) take_turn(0);  // the partner is running
  const auto start = std::chrono::steady_clock::now();
  for (auto _ : state) take_turn(0);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  area->stop.store(1, std::memory_order_relaxed);
  state.counters["turn_pair_ns"] =
      std::chrono::duration<double, std::nano>(elapsed).count() / static_cast<double>(state.iterations());
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 2);
}

void process_mutex_turns(benchmark::State& state) {
  auto memory = xipc::anonymous_memory::create(sizeof(pair_area));
  auto* area = new (memory.data()) pair_area;
  auto guard = xipc::process_mutex::format(area->first);
  run_turns(state, area, [&] { (void)guard.lock(30s); }, [&] { guard.unlock(); });
}

#if XIPC_HAS_FUTEX
template <bool Polling>
void futex_mutex_turns(benchmark::State& state) {
  auto memory = xipc::anonymous_memory::create(sizeof(pair_area));
  auto* area = new (memory.data()) pair_area;
  auto& guard = *new (area->first) futex_mutex<Polling>;
  run_turns(state, area, [&] { guard.lock(); }, [&] { guard.unlock(); });
}

#endif

void boost_named_mutex_turns(benchmark::State& state) {
  auto memory = xipc::anonymous_memory::create(sizeof(pair_area));
  auto* area = new (memory.data()) pair_area;
  const std::string name = bench_name("bmutex");
  bip::named_mutex::remove(name.c_str());
  {
    bip::named_mutex guard(bip::create_only, name.c_str());
    run_turns(state, area, [&] { guard.lock(); }, [&] { guard.unlock(); });
  }
  bip::named_mutex::remove(name.c_str());
}

}  // namespace

BENCHMARK(semaphore_ping_pong)->Name("semaphore/ping_pong")->UseRealTime();
#if XIPC_HAS_FUTEX
BENCHMARK(futex_semaphore_ping_pong<true>)->Name("futex_semaphore_polling/ping_pong")->UseRealTime();
BENCHMARK(futex_semaphore_ping_pong<false>)->Name("futex_semaphore/ping_pong")->UseRealTime();
#endif
BENCHMARK(boost_semaphore_ping_pong)->Name("boost_named_semaphore/ping_pong")->UseRealTime();
BENCHMARK(process_mutex_turns)->Name("process_mutex/turns")->UseRealTime();
#if XIPC_HAS_FUTEX
BENCHMARK(futex_mutex_turns<true>)->Name("futex_mutex_polling/turns")->UseRealTime();
BENCHMARK(futex_mutex_turns<false>)->Name("futex_mutex/turns")->UseRealTime();
#endif
BENCHMARK(boost_named_mutex_turns)->Name("boost_named_mutex/turns")->UseRealTime();
