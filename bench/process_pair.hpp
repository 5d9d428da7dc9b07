// Cross-process benchmarks: the partner side runs in a forked child pinned to
// the second CPU, while the measuring side stays pinned to the first. Memory
// they share is mapped before the fork (anonymous_memory is MAP_SHARED).
#pragma once

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <vector>

namespace xipc::bench {

class partner_process {
 public:
  // Forks a child that pins itself to the second CPU, runs `body`, and exits
  // without running destructors (they belong to the parent).
  explicit partner_process(const std::function<void()>& body);
  partner_process(const partner_process&) = delete;
  partner_process& operator=(const partner_process&) = delete;
  // Waits for the child to end; kills it if it does not within a few seconds.
  ~partner_process();

 private:
  int pid_ = -1;
};

// Round-trip samples of every sample_every-th iteration, so that reading the
// clock costs the measured loop little; reported as percentiles.
class latency_samples {
 public:
  static constexpr std::uint64_t sample_every = 16;

  latency_samples() { samples_.reserve(1 << 20); }

  bool due(std::uint64_t iteration) const noexcept { return iteration % sample_every == 0; }
  void add(std::chrono::steady_clock::duration took) {
    if (samples_.size() < samples_.capacity()) samples_.push_back(std::chrono::duration<double, std::nano>(took).count());
  }
  // Adds p50_ns, p99_ns, p999_ns and max_ns to the benchmark's counters.
  void report(benchmark::State& state);

 private:
  std::vector<double> samples_;
};

}  // namespace xipc::bench
