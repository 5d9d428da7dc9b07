// Cross-process benchmarks: the partner side runs in a forked child pinned to
// the second CPU, while the measuring side stays pinned to the first. Memory
// they share is mapped before the fork (anonymous_memory is MAP_SHARED).
#pragma once

#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace xipc::bench {

// The message sizes every transport is measured at (a transport that cannot
// carry one says why and is listed as skipped).
inline constexpr std::array<long, 7> message_sizes{8, 64, 256, 1024, 4096, 65536, 1 << 20};

// Registers a benchmark at every message size.
inline void every_message_size(benchmark::internal::Benchmark* benchmark) {
  for (const long size : message_sizes) benchmark->Arg(size);
}

// Thrown while setting a benchmark up when the transport cannot run it on
// this machine; the benchmark is then skipped with the reason.
struct unsupported : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Runs `body`; a std::exception from it skips the benchmark with its message.
template <class Body>
void skip_on_failure(benchmark::State& state, Body&& body) {
  try {
    body();
  } catch (const std::exception& e) {
    state.SkipWithError((std::string("skipped: ") + e.what()).c_str());
  }
}

// An idle round trip: the sender waits this long, untimed, before each one,
// so that a receiver that sleeps when idle really is asleep when the message comes.
inline constexpr auto idle_gap = std::chrono::microseconds(200);
// Round trips per idle benchmark (each costs the gap as well).
inline constexpr std::int64_t idle_round_trips = 2000;

// Round trips run untimed after a partner starts: the first ones wait for the
// new process to be scheduled and to fault its memory in.
inline constexpr std::uint64_t warm_up_round_trips = 2000;

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

// Runs the benchmark loop with one `echo()` round trip per iteration, timing
// every sample_every-th into `samples`, after an untimed warm-up of
// `warm_up` round trips. Returns the loop's time; stops on a failed echo.
template <class Echo>
std::chrono::steady_clock::duration timed_round_trips(benchmark::State& state, latency_samples& samples, Echo&& echo,
                                                      std::uint64_t warm_up = warm_up_round_trips) {
  for (std::uint64_t i = 0; i < warm_up; ++i) echo();
  std::uint64_t iteration = 0;
  const auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    const bool sample = samples.due(iteration++);
    const auto sent_at = sample ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
    if (!echo()) {
      state.SkipWithError("the echo failed");
      break;
    }
    if (sample) samples.add(std::chrono::steady_clock::now() - sent_at);
  }
  return std::chrono::steady_clock::now() - start;
}

// Idle round trips, each timed on its own after idle_gap of spinning; the
// benchmark uses manual time, so the gaps are not counted. Every round trip
// is a sample. Returns the total of the timed round trips.
template <class Echo>
std::chrono::steady_clock::duration timed_idle_round_trips(benchmark::State& state, latency_samples& samples,
                                                           Echo&& echo) {
  for (std::uint64_t i = 0; i < warm_up_round_trips / 20; ++i) echo();
  std::chrono::steady_clock::duration total{};
  for (auto _ : state) {
    const auto idle_until = std::chrono::steady_clock::now() + idle_gap;
    while (std::chrono::steady_clock::now() < idle_until) {
    }
    const auto sent_at = std::chrono::steady_clock::now();
    if (!echo()) {
      state.SkipWithError("the echo failed");
      break;
    }
    const auto took = std::chrono::steady_clock::now() - sent_at;
    state.SetIterationTime(std::chrono::duration<double>(took).count());
    samples.add(took);
    total += took;
  }
  return total;
}

// The floor's round trip measured now, in nanoseconds: round trips report
// their ratio to it as vs_floor, measured next to them, because this
// machine's two CPUs can move to a slower placement between benchmarks.
double floor_rtt_now();

// Measures the floor again and sets floor_ns to the mean of `floor_before_ns`
// and that: every cross-process result carries the placement it ran in.
double report_floor(benchmark::State& state, double floor_before_ns);

// Sets rtt_ns, floor_ns (as report_floor) and vs_floor = rtt_ns / floor_ns.
void report_rtt(benchmark::State& state, std::chrono::steady_clock::duration elapsed, double floor_before_ns);

}  // namespace xipc::bench
