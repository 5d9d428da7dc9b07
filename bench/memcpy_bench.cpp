// memcpy bandwidth: the ceiling for any transport that copies a message once.
#include <benchmark/benchmark.h>

#include <cstring>
#include <vector>

#include "process_pair.hpp"

namespace {

void memcpy_throughput(benchmark::State& state) {
  const auto bytes = static_cast<std::size_t>(state.range(0));
  std::vector<char> from(bytes, 'x');
  std::vector<char> to(bytes);
  for (auto _ : state) {
    std::memcpy(to.data(), from.data(), bytes);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
  state.counters["msgs_per_s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

}  // namespace

BENCHMARK(memcpy_throughput)->Name("memcpy/throughput")->Apply(xipc::bench::every_message_size);
