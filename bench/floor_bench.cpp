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

// Runs `round_trips` ping-pongs (all of them when `state` is null, else as the
// benchmark loop says) and returns the mean round trip in nanoseconds.
double ping_pong(benchmark::State* state, std::uint64_t round_trips) {
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
      // Both sides pause while spinning, as every spin loop should: without
      // it, this host's other vCPU ran the ping-pong five times slower.
      XIPC_CPU_RELAX();
    }
  });
  xipc::bench::pin_to_core(0);
  xipc::bench::latency_samples samples;
  std::uint64_t sequence = 0;
  const auto round_trip = [&] {
    const bool sample = samples.due(sequence);
    const auto sent_at = sample ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
    lines->ping.value.store(++sequence, std::memory_order_release);
    while (lines->pong.value.load(std::memory_order_acquire) != sequence) XIPC_CPU_RELAX();
    if (sample) samples.add(std::chrono::steady_clock::now() - sent_at);
  };
  // Untimed: the first round trips wait for the new process to be scheduled.
  for (std::uint64_t i = 0; i < xipc::bench::warm_up_round_trips; ++i) round_trip();
  const std::uint64_t warm = sequence;
  const auto start = std::chrono::steady_clock::now();
  if (state != nullptr) {
    for (auto _ : *state) round_trip();
  } else {
    for (std::uint64_t i = 0; i < round_trips; ++i) round_trip();
  }
  const auto elapsed = std::chrono::steady_clock::now() - start;
  lines->stop.value.store(1);
  if (state != nullptr) samples.report(*state);
  return std::chrono::duration<double, std::nano>(elapsed).count() / static_cast<double>(sequence - warm);
}

void floor_rtt(benchmark::State& state) { state.counters["rtt_ns"] = ping_pong(&state, 0); }

}  // namespace

double xipc::bench::floor_rtt_now() { return ping_pong(nullptr, 50000); }

BENCHMARK(floor_rtt)->Name("floor/rtt/64");
