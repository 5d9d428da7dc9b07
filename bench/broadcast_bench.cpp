// Publish/subscribe between processes: a round trip through a broadcast
// channel with 1 and with 4 subscribers (one of them echoes on a ring), and
// one publisher feeding 4 subscribers against one process feeding 4 rings
// with the same messages. Read against the floor and ring/rtt of the same run.
//
// This machine has 2 cores: every subscriber or ring consumer runs on the
// second one, so with 4 of them the runs measure one core serving four
// readers, the same for both sides of the comparison.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <vector>
#include <xipc/anonymous_memory.hpp>
#include <xipc/broadcast.hpp>
#include <xipc/spsc_ring.hpp>

#include "machine.hpp"
#include "process_pair.hpp"

namespace {

using xipc::deadline;
using xipc::wait_mode;

// A broadcast channel and a ring for the echo, in one region mapped before the forks.
struct channel_and_ring {
  channel_and_ring(const xipc::broadcast_options& options, std::size_t ring_capacity)
      : channel_bytes((xipc::broadcast_memory_bytes(options) + 4095) / 4096 * 4096),
        ring_bytes(xipc::ring_memory_bytes(ring_capacity)),
        memory(xipc::anonymous_memory::create(channel_bytes + ring_bytes)) {
    static_cast<void>(xipc::format_broadcast(channel(), options));
    static_cast<void>(xipc::format_ring(ring(), {.capacity_bytes = ring_capacity}));
  }
  std::span<std::byte> channel() { return {memory.data(), channel_bytes}; }
  std::span<std::byte> ring() { return {memory.data() + channel_bytes, ring_bytes}; }

  std::size_t channel_bytes;
  std::size_t ring_bytes;
  xipc::anonymous_memory memory;
};

// Waits until `count` subscribers are attached, so that none joins late.
void wait_for(xipc::broadcast_publisher& publisher, std::size_t count) {
  static_cast<void>(publisher.wait_for_subscribers(count, deadline::after(std::chrono::seconds(10))));
}

void broadcast_rtt(benchmark::State& state, wait_mode mode, std::size_t subscribers) {
  const auto size = static_cast<std::size_t>(state.range(0));
  const xipc::wait_policy policy{.mode = mode};
  const double floor_before_ns = xipc::bench::floor_rtt_now();
  channel_and_ring shared({.slot_count = 64, .max_message_bytes = std::max<std::size_t>(size, 8),
                           .max_subscribers = 8, .policy = xipc::slow_subscriber::wait},
                          std::size_t{1} << 16);
  std::vector<std::unique_ptr<xipc::bench::partner_process>> partners;
  for (std::size_t i = 0; i < subscribers; ++i) {
    const bool echoes = i == 0;
    partners.push_back(std::make_unique<xipc::bench::partner_process>([&, echoes] {
      auto sub = xipc::broadcast_subscriber::attach(shared.channel(), policy);
      xipc::ring_producer back;
      if (echoes) back = xipc::ring_producer::attach(shared.ring(), policy);
      std::vector<std::byte> buffer(std::max<std::size_t>(size, 8));
      for (;;) {
        const auto got = sub.receive(buffer, deadline::forever());
        if (got.error) return;
        if (echoes && back.send({buffer.data(), got.bytes}, deadline::forever())) return;
      }
    }));
  }
  xipc::bench::pin_to_core(0);
  auto publisher = xipc::broadcast_publisher::attach(shared.channel(), policy);
  auto echo_in = xipc::ring_consumer::attach(shared.ring(), policy);
  wait_for(publisher, subscribers);
  std::vector<std::byte> message(size, std::byte{7});
  std::vector<std::byte> buffer(std::max<std::size_t>(size, 8));
  const auto round_trip = [&] {
    return !publisher.send(message, deadline::forever()) && !echo_in.receive(buffer, deadline::forever()).error;
  };
  xipc::bench::latency_samples samples;
  const auto elapsed = xipc::bench::timed_round_trips(state, samples, round_trip);
  publisher.detach();  // every subscriber then sees peer_closed and exits
  xipc::bench::report_rtt(state, elapsed, floor_before_ns);
  samples.report(state);
}

// Messages per timed iteration of the fan-out runs.
std::size_t fanout_messages(std::size_t size) { return std::clamp<std::size_t>((std::size_t{8} << 20) / size, 512, 1 << 17); }

// One publisher to `readers` subscribers; counted as messages delivered (each message once per subscriber).
void broadcast_fanout(benchmark::State& state, std::size_t readers) {
  const auto size = static_cast<std::size_t>(state.range(0));
  const xipc::wait_policy policy{.mode = wait_mode::adaptive};
  const double floor_before_ns = xipc::bench::floor_rtt_now();
  const xipc::broadcast_options options{.slot_count = std::max<std::size_t>(64, (std::size_t{1} << 20) / size),
                                        .max_message_bytes = size, .max_subscribers = 8,
                                        .policy = xipc::slow_subscriber::wait};
  auto memory = xipc::anonymous_memory::create(xipc::broadcast_memory_bytes(options));
  const std::span<std::byte> bytes{memory.data(), memory.size()};
  static_cast<void>(xipc::format_broadcast(bytes, options));
  std::vector<std::unique_ptr<xipc::bench::partner_process>> partners;
  for (std::size_t i = 0; i < readers; ++i) {
    partners.push_back(std::make_unique<xipc::bench::partner_process>([&] {
      auto sub = xipc::broadcast_subscriber::attach(bytes, policy);
      std::vector<std::byte> buffer(size);
      while (!sub.receive(buffer, deadline::forever()).error) {
      }
    }));
  }
  xipc::bench::pin_to_core(0);
  auto publisher = xipc::broadcast_publisher::attach(bytes, policy);
  wait_for(publisher, readers);
  // Drained: every subscriber's cursor has reached what was published.
  auto* places = reinterpret_cast<xipc::detail::broadcast_subscriber_line*>(memory.data() +
                                                                            xipc::detail::broadcast_subscribers_offset);
  const auto drained = [&] {
    for (std::size_t i = 0; i < options.max_subscribers; ++i) {
      auto& place = places[i];
      if (place.owner.load(std::memory_order_acquire) == 0) continue;
      while (place.cursor.load(std::memory_order_acquire) < publisher.published()) XIPC_CPU_RELAX();
    }
  };
  std::vector<std::byte> message(size, std::byte{3});
  const std::size_t messages = fanout_messages(size);
  for (std::size_t i = 0; i < options.slot_count; ++i) static_cast<void>(publisher.send(message, deadline::forever()));
  drained();
  for (auto _ : state) {
    for (std::size_t i = 0; i < messages; ++i) static_cast<void>(publisher.send(message, deadline::forever()));
    drained();
  }
  publisher.detach();
  xipc::bench::report_floor(state, floor_before_ns);
  const auto delivered = static_cast<double>(state.iterations()) * static_cast<double>(messages * readers);
  state.SetBytesProcessed(static_cast<std::int64_t>(delivered * static_cast<double>(size)));
  state.counters["msgs_per_s"] = benchmark::Counter(delivered, benchmark::Counter::kIsRate);
}

// The baseline: one process copies each message into `readers` rings, one consumer each.
void rings_fanout(benchmark::State& state, std::size_t readers) {
  const auto size = static_cast<std::size_t>(state.range(0));
  const xipc::wait_policy policy{.mode = wait_mode::adaptive};
  const double floor_before_ns = xipc::bench::floor_rtt_now();
  const std::size_t capacity = std::max<std::size_t>(std::size_t{1} << 20, size * 16);
  const std::size_t ring_bytes = xipc::ring_memory_bytes(capacity);
  auto memory = xipc::anonymous_memory::create(ring_bytes * readers);
  const auto ring = [&](std::size_t i) { return std::span<std::byte>(memory.data() + i * ring_bytes, ring_bytes); };
  for (std::size_t i = 0; i < readers; ++i) static_cast<void>(xipc::format_ring(ring(i), {.capacity_bytes = capacity}));
  std::vector<std::unique_ptr<xipc::bench::partner_process>> partners;
  for (std::size_t i = 0; i < readers; ++i) {
    partners.push_back(std::make_unique<xipc::bench::partner_process>([&, i] {
      auto rx = xipc::ring_consumer::attach(ring(i), policy);
      std::vector<std::byte> buffer(size);
      while (!rx.receive(buffer, deadline::forever()).error) {
      }
    }));
  }
  xipc::bench::pin_to_core(0);
  std::vector<xipc::ring_producer> rings;
  for (std::size_t i = 0; i < readers; ++i) rings.push_back(xipc::ring_producer::attach(ring(i), policy));
  const auto drained = [&] {
    for (std::size_t i = 0; i < readers; ++i) {
      auto& layout = *reinterpret_cast<xipc::detail::ring_layout*>(ring(i).data());
      while (layout.consumer.position.load(std::memory_order_acquire) !=
             layout.producer.position.load(std::memory_order_relaxed)) {
        XIPC_CPU_RELAX();
      }
    }
  };
  std::vector<std::byte> message(size, std::byte{3});
  const std::size_t messages = fanout_messages(size);
  for (std::size_t i = 0; i < 64; ++i) {
    for (auto& tx : rings) static_cast<void>(tx.send(message, deadline::forever()));
  }
  drained();
  for (auto _ : state) {
    for (std::size_t i = 0; i < messages; ++i) {
      for (auto& tx : rings) static_cast<void>(tx.send(message, deadline::forever()));
    }
    drained();
  }
  for (auto& tx : rings) tx.detach();
  xipc::bench::report_floor(state, floor_before_ns);
  const auto delivered = static_cast<double>(state.iterations()) * static_cast<double>(messages * readers);
  state.SetBytesProcessed(static_cast<std::int64_t>(delivered * static_cast<double>(size)));
  state.counters["msgs_per_s"] = benchmark::Counter(delivered, benchmark::Counter::kIsRate);
}

}  // namespace

// The subscriber count is in the transport's name, so that the report keys
// (transport, measure, size) stay apart.
BENCHMARK_CAPTURE(broadcast_rtt, one, wait_mode::spin, 1)->Name("broadcast1/rtt")->Arg(64);
BENCHMARK_CAPTURE(broadcast_rtt, one_adaptive, wait_mode::adaptive, 1)->Name("broadcast1_adaptive/rtt")->Arg(64);
BENCHMARK_CAPTURE(broadcast_rtt, four_adaptive, wait_mode::adaptive, 4)->Name("broadcast4_adaptive/rtt")->Arg(64);
BENCHMARK_CAPTURE(broadcast_fanout, four, 4)->Name("broadcast4/fanout")->Arg(64)->Arg(4096)->UseRealTime();
BENCHMARK_CAPTURE(rings_fanout, four, 4)->Name("rings4/fanout")->Arg(64)->Arg(4096)->UseRealTime();
