// The floor: one cache line bouncing between two processes on two cores,
// with nothing else. No transport between two cores can have a shorter round
// trip; every other round trip is reported as a ratio to this one.
//
// floor_copy/rtt/N is the same with N bytes each way, copied in by the
// sender and out by the receiver, as any copying transport must: the floor
// for a message of that size (the ring's round trip is read against it).
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <new>
#include <vector>
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
// benchmark loop says) and returns the mean round trip in nanoseconds. With
// `size` > 0, each ping and pong carries `size` bytes, copied into shared
// memory before the flag is set and out of it once the flag is seen.
double ping_pong(benchmark::State* state, std::uint64_t round_trips, std::size_t size = 0) {
  const std::size_t data_offset = sizeof(floor_lines);
  const std::size_t stride = (size + 127) / 128 * 128;
  auto memory = xipc::anonymous_memory::create(data_offset + 2 * stride);
  auto* lines = new (memory.data()) floor_lines;
  std::byte* ping_data = memory.data() + data_offset;
  std::byte* pong_data = ping_data + stride;
  xipc::bench::partner_process partner([&] {
    std::vector<std::byte> got(size);
    std::uint64_t seen = 0;
    while (lines->stop.value.load(std::memory_order_relaxed) == 0) {
      const std::uint64_t now = lines->ping.value.load(std::memory_order_acquire);
      if (now != seen) {
        seen = now;
        if (size != 0) {
          std::memcpy(got.data(), ping_data, size);
          std::memcpy(pong_data, got.data(), size);
        }
        lines->pong.value.store(now, std::memory_order_release);
      }
      // Both sides pause while spinning, as every spin loop should: without
      // it, this host's other vCPU ran the ping-pong five times slower.
      XIPC_CPU_RELAX();
    }
  });
  xipc::bench::pin_to_core(0);
  xipc::bench::latency_samples samples;
  std::vector<std::byte> message(size, std::byte{7});
  std::vector<std::byte> reply(size);
  std::uint64_t sequence = 0;
  const auto round_trip = [&] {
    const bool sample = samples.due(sequence);
    const auto sent_at = sample ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
    if (size != 0) std::memcpy(ping_data, message.data(), size);
    lines->ping.value.store(++sequence, std::memory_order_release);
    while (lines->pong.value.load(std::memory_order_acquire) != sequence) XIPC_CPU_RELAX();
    if (size != 0) std::memcpy(reply.data(), pong_data, size);
    benchmark::DoNotOptimize(reply.data());
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

void floor_copy_rtt(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  const double floor_before_ns = xipc::bench::floor_rtt_now();
  const double rtt = ping_pong(&state, 0, size);
  state.counters["rtt_ns"] = rtt;
  state.counters["floor_ns"] = floor_before_ns;
  state.counters["vs_floor"] = rtt / floor_before_ns;
}

}  // namespace

double xipc::bench::floor_rtt_now() { return ping_pong(nullptr, 50000); }

BENCHMARK(floor_rtt)->Name("floor/rtt/64");
BENCHMARK(floor_copy_rtt)->Name("floor_copy/rtt")->Apply(xipc::bench::every_message_size);
