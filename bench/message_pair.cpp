#include "message_pair.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "machine.hpp"
#include "process_pair.hpp"

namespace xipc::bench {
namespace {

void measure_rtt(benchmark::State& state, const connection_factory& make, bool idle) {
  const auto size = static_cast<std::size_t>(state.range(0));
  const double floor_before_ns = floor_rtt_now();
  connection link = make(size);
  partner_process partner([&] {
    if (link.close_parent_ends) link.close_parent_ends();
    std::vector<std::byte> buffer(size);
    while (link.child.receive(buffer) && link.child.send(buffer)) {
    }
  });
  if (link.close_child_ends) link.close_child_ends();
  pin_to_core(0);
  std::vector<std::byte> message(size, std::byte{7});
  std::vector<std::byte> buffer(size);
  const auto echo = [&] { return link.parent.send(message) && link.parent.receive(buffer); };
  latency_samples samples;
  const auto elapsed = idle ? timed_idle_round_trips(state, samples, echo)
                            : timed_round_trips(state, samples, echo, warm_up_round_trips / 20);
  link.parent.finish();
  report_rtt(state, elapsed, floor_before_ns);
  samples.report(state);
}

void measure_one_way(benchmark::State& state, const connection_factory& make) {
  const auto size = static_cast<std::size_t>(state.range(0));
  const std::size_t batch = std::clamp<std::size_t>((std::size_t{8} << 20) / size, 16, 1 << 16);
  const double floor_before_ns = floor_rtt_now();
  connection link = make(size);
  partner_process partner([&] {
    if (link.close_parent_ends) link.close_parent_ends();
    std::vector<std::byte> buffer(size);
    std::array<std::byte, 1> ack{};
    for (;;) {
      for (std::size_t i = 0; i < batch; ++i) {
        if (!link.child.receive(buffer)) return;
      }
      if (!link.child.send(ack)) return;
    }
  });
  if (link.close_child_ends) link.close_child_ends();
  pin_to_core(0);
  std::vector<std::byte> message(size, std::byte{3});
  std::array<std::byte, 1> ack{};
  for (auto _ : state) {
    for (std::size_t i = 0; i < batch; ++i) link.parent.send(message);
    if (!link.parent.receive(ack)) {
      // Going on would leave acknowledgements queued until both queues are full and both sides wait for good.
      state.SkipWithError("the partner's acknowledgement did not arrive");
      break;
    }
  }
  link.parent.finish();
  report_floor(state, floor_before_ns);
  const auto total = static_cast<double>(state.iterations()) * static_cast<double>(batch);
  state.SetBytesProcessed(static_cast<std::int64_t>(total * static_cast<double>(size)));
  state.counters["msgs_per_s"] = benchmark::Counter(total, benchmark::Counter::kIsRate);
}

}  // namespace

void echo_rtt(benchmark::State& state, const connection_factory& make, bool idle) {
  skip_on_failure(state, [&] { measure_rtt(state, make, idle); });
}

void one_way(benchmark::State& state, const connection_factory& make) {
  skip_on_failure(state, [&] { measure_one_way(state, make); });
}

bool raw_write_all(int fd, std::span<const std::byte> data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n <= 0) return false;
    data = data.subspan(static_cast<std::size_t>(n));
  }
  return true;
}

bool raw_read_exact(int fd, std::span<std::byte> buffer) {
  while (!buffer.empty()) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n <= 0) return false;
    buffer = buffer.subspan(static_cast<std::size_t>(n));
  }
  return true;
}

void check_datagram_fits(int fd, std::size_t size) {
  // The socket's own address says its family (SO_DOMAIN is Linux's only).
  sockaddr_storage self{};
  socklen_t length = sizeof self;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&self), &length);
  if (self.ss_family != AF_UNIX) {
    constexpr std::size_t udp_largest = 65507;
    if (size > udp_largest) {
      throw unsupported("a UDP datagram of " + std::to_string(size) + " bytes is over the limit of " +
                        std::to_string(udp_largest));
    }
    return;
  }
  int send_buffer = 0;
  length = sizeof send_buffer;
  ::getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &send_buffer, &length);
  // Linux refuses a Unix-domain datagram larger than the send buffer less a small overhead.
  const auto largest = static_cast<std::size_t>(std::max(send_buffer - 32, 0));
  if (size > largest) {
    throw unsupported("a Unix-domain datagram of " + std::to_string(size) + " bytes is over the socket's send buffer (" +
                      std::to_string(send_buffer) + " bytes; net.core.wmem_max bounds it)");
  }
}

void register_message_pair(const std::string& name, connection_factory make, measures which) {
  if (which != measures::throughput_only) register_round_trips(name, make);
  if (which == measures::rtt_only) return;
  auto* throughput = benchmark::RegisterBenchmark((name + "/throughput").c_str(),
                                                  [make](benchmark::State& state) { one_way(state, make); });
  for (const long size : message_sizes) throughput->Arg(size);
  throughput->UseRealTime();
}

void register_round_trips(const std::string& name, const connection_factory& make) {
  auto* rtt = benchmark::RegisterBenchmark((name + "/rtt").c_str(),
                                           [make](benchmark::State& state) { echo_rtt(state, make); });
  for (const long size : message_sizes) rtt->Arg(size);
  benchmark::RegisterBenchmark((name + "/rtt_idle").c_str(),
                               [make](benchmark::State& state) { echo_rtt(state, make, true); })
      ->Arg(64)
      ->UseManualTime()
      ->Iterations(idle_round_trips);
}

}  // namespace xipc::bench
