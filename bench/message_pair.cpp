#include "message_pair.hpp"

#include <algorithm>
#include <array>
#include <vector>

#include "machine.hpp"
#include "process_pair.hpp"

namespace xipc::bench {

void echo_rtt(benchmark::State& state, const connection_factory& make) {
  const auto size = static_cast<std::size_t>(state.range(0));
  const double floor_before_ns = floor_rtt_now();
  connection link = make(size);
  partner_process partner([&] {
    std::vector<std::byte> buffer(size);
    while (link.child.receive(buffer) && link.child.send(buffer)) {
    }
  });
  pin_to_core(0);
  std::vector<std::byte> message(size, std::byte{7});
  std::vector<std::byte> buffer(size);
  const auto echo = [&] { return link.parent.send(message) && link.parent.receive(buffer); };
  latency_samples samples;
  const auto elapsed = timed_round_trips(state, samples, echo, warm_up_round_trips / 20);
  link.parent.finish();
  report_rtt(state, elapsed, floor_before_ns);
  samples.report(state);
}

void one_way(benchmark::State& state, const connection_factory& make) {
  const auto size = static_cast<std::size_t>(state.range(0));
  const std::size_t batch = std::clamp<std::size_t>((std::size_t{8} << 20) / size, 16, 1 << 16);
  const double floor_before_ns = floor_rtt_now();
  connection link = make(size);
  partner_process partner([&] {
    std::vector<std::byte> buffer(size);
    std::array<std::byte, 1> ack{};
    for (;;) {
      for (std::size_t i = 0; i < batch; ++i) {
        if (!link.child.receive(buffer)) return;
      }
      if (!link.child.send(ack)) return;
    }
  });
  pin_to_core(0);
  std::vector<std::byte> message(size, std::byte{3});
  std::array<std::byte, 1> ack{};
  for (auto _ : state) {
    for (std::size_t i = 0; i < batch; ++i) link.parent.send(message);
    link.parent.receive(ack);
  }
  link.parent.finish();
  report_floor(state, floor_before_ns);
  const auto total = static_cast<double>(state.iterations()) * static_cast<double>(batch);
  state.SetBytesProcessed(static_cast<std::int64_t>(total * static_cast<double>(size)));
  state.counters["msgs_per_s"] = benchmark::Counter(total, benchmark::Counter::kIsRate);
}

void register_message_pair(const std::string& name, connection_factory make, std::initializer_list<long> rtt_sizes,
                           std::initializer_list<long> throughput_sizes) {
  auto* rtt = benchmark::RegisterBenchmark((name + "/rtt").c_str(),
                                           [make](benchmark::State& state) { echo_rtt(state, make); });
  for (const long size : rtt_sizes) rtt->Arg(size);
  auto* throughput = benchmark::RegisterBenchmark((name + "/throughput").c_str(),
                                                  [make](benchmark::State& state) { one_way(state, make); });
  for (const long size : throughput_sizes) throughput->Arg(size);
  throughput->UseRealTime();
}

}  // namespace xipc::bench
