// The floor: the round trip of one cache line between two cores, with
// nothing else. No transport between two threads can beat it.
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <new>
#include <thread>

#include "machine.hpp"

namespace {

// Each flag on its own cache line, so the only traffic is the ping and the pong.
struct alignas(64) padded_counter {
  std::atomic<std::uint64_t> value{0};
};

void floor_rtt(benchmark::State& state) {
  padded_counter ping;
  padded_counter pong;
  std::atomic<bool> stop{false};
  std::thread partner([&] {
    xipc::bench::pin_to_core(1);
    std::uint64_t seen = 0;
    while (!stop.load(std::memory_order_relaxed)) {
      const std::uint64_t now = ping.value.load(std::memory_order_acquire);
      if (now != seen) {
        seen = now;
        pong.value.store(now, std::memory_order_release);
      }
    }
  });
  xipc::bench::pin_to_core(0);
  std::uint64_t sequence = 0;
  const auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    ping.value.store(++sequence, std::memory_order_release);
    while (pong.value.load(std::memory_order_acquire) != sequence) {
    }
  }
  const auto elapsed = std::chrono::steady_clock::now() - start;
  stop.store(true);
  partner.join();
  state.counters["rtt_ns"] = std::chrono::duration<double, std::nano>(elapsed).count() /
                             static_cast<double>(state.iterations());
}

}  // namespace

BENCHMARK(floor_rtt)->Name("floor/rtt/64");
