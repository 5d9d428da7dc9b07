// The floor: one cache line bouncing between two processes on two cores,
// with nothing else. No transport between two cores can have a shorter round
// trip; every other round trip is reported as a ratio to this one.
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <new>
#include <xipc/anonymous_memory.hpp>
#include <xipc/detail/config.hpp>

#include "machine.hpp"
#include "process_pair.hpp"

namespace {

// Each word on its own line pair, so the only traffic is the ping and the pong.
struct alignas(128) padded_word {
  std::atomic<std::uint64_t> value{0};
};

struct floor_lines {
  padded_word ping;
  padded_word pong;
  padded_word stop;
};

void floor_rtt(benchmark::State& state) {
  auto memory = xipc::anonymous_memory::create(sizeof(floor_lines));
  auto* lines = new (memory.data()) floor_lines;
  xipc::bench::partner_process partner([&] {
    std::uint64_t seen = 0;
    while (lines->stop.value.load(std::memory_order_relaxed) == 0) {
      const std::uint64_t now = lines->ping.value.load(std::memory_order_acquire);
      if (now != seen) {
        seen = now;
        lines->pong.value.store(now, std::memory_order_release);
      }
      XIPC_CPU_RELAX();
    }
  });
  xipc::bench::pin_to_core(0);
  xipc::bench::latency_samples samples;
  std::uint64_t sequence = 0;
  const auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    const bool sample = samples.due(sequence);
    const auto sent_at = sample ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
    lines->ping.value.store(++sequence, std::memory_order_release);
    while (lines->pong.value.load(std::memory_order_acquire) != sequence) XIPC_CPU_RELAX();
    if (sample) samples.add(std::chrono::steady_clock::now() - sent_at);
  }
  const auto elapsed = std::chrono::steady_clock::now() - start;
  lines->stop.value.store(1);
  state.counters["rtt_ns"] =
      std::chrono::duration<double, std::nano>(elapsed).count() / static_cast<double>(state.iterations());
  samples.report(state);
}

}  // namespace

BENCHMARK(floor_rtt)->Name("floor/rtt/64");
