// What the ring's producer pays to write into its data area, depending on
// what the consumer's core did with those lines before: nothing, or read
// them (as a consumer does, a lap of the ring earlier). The writes are the
// ring's own for 64-byte messages: a 72-byte record, 8-byte header word and
// 64-byte payload, one after the other.
//
// rewrite/untouched: the other core only takes part in the hand-over.
// rewrite/after_peer_read: the other core reads every line before each round.
// Read ns_per_record of the two against each other in one run.
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <new>
#include <xipc/anonymous_memory.hpp>
#include <xipc/detail/config.hpp>

#include "machine.hpp"
#include "process_pair.hpp"

namespace {

constexpr std::size_t record_bytes = 72;

struct alignas(128) hand_over {
  std::atomic<std::uint64_t> round{0};  // odd: the partner's turn
  std::atomic<std::uint64_t> stop{0};
};

void rewrite(benchmark::State& state, bool peer_reads) {
  // The region written per round, in KiB: as a ring's data area, lapped once per round.
  const std::size_t region_bytes = static_cast<std::size_t>(state.range(0)) << 10;
  const std::size_t records = region_bytes / record_bytes;
  auto memory = xipc::anonymous_memory::create(sizeof(hand_over) + region_bytes);
  auto* turn = new (memory.data()) hand_over;
  std::byte* data = memory.data() + sizeof(hand_over);
  std::memset(data, 0, region_bytes);
  xipc::bench::partner_process partner([&] {
    std::uint64_t sum = 0;
    for (std::uint64_t seen = 0;;) {
      std::uint64_t round;
      while ((round = turn->round.load(std::memory_order_acquire)) == seen) {
        if (turn->stop.load(std::memory_order_relaxed) != 0) {
          benchmark::DoNotOptimize(sum);
          return;
        }
        XIPC_CPU_RELAX();
      }
      if (peer_reads) {
        for (std::size_t at = 0; at < region_bytes; at += 64) {
          std::uint64_t word;
          std::memcpy(&word, data + at, sizeof word);
          sum += word;
        }
      }
      seen = round + 1;
      turn->round.store(seen, std::memory_order_release);
    }
  });
  xipc::bench::pin_to_core(0);
  std::byte payload[64];
  std::memset(payload, 3, sizeof payload);
  std::uint64_t round = 0;
  const auto write_region = [&] {
    const auto start = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < records; ++i) {
      std::byte* record = data + i * record_bytes;
      const std::uint64_t header = i | (std::uint64_t{1} << 63);
      std::memcpy(record + 8, payload, sizeof payload);
      std::memcpy(record, &header, sizeof header);
    }
    benchmark::ClobberMemory();
    const auto took = std::chrono::steady_clock::now() - start;
    // The partner's turn: it reads the lines, or only answers.
    turn->round.store(++round, std::memory_order_release);
    while (turn->round.load(std::memory_order_acquire) != round + 1) XIPC_CPU_RELAX();
    ++round;
    return took;
  };
  for (int warm = 0; warm < 16; ++warm) write_region();
  double total_ns = 0;
  for (auto _ : state) {
    const std::chrono::duration<double, std::nano> took = write_region();
    total_ns += took.count();
    state.SetIterationTime(took.count() * 1e-9);
  }
  turn->stop.store(1, std::memory_order_relaxed);
  state.counters["ns_per_record"] = total_ns / static_cast<double>(state.iterations() * records);
}

}  // namespace

// Half the ring the throughput benchmarks use; then rings that fit in a
// core's L1 and L2, and rings larger than a core's L2.
BENCHMARK_CAPTURE(rewrite, untouched, false)->Name("rewrite/untouched")->Arg(512)->UseManualTime();
BENCHMARK_CAPTURE(rewrite, after_peer_read, true)
    ->Name("rewrite/after_peer_read")
    ->Arg(16)
    ->Arg(128)
    ->Arg(512)
    ->Arg(4096)
    ->Arg(16384)
    ->UseManualTime();
