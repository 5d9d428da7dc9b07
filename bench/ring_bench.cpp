// The ring between two processes: round trips in each wait mode, and one-way
// throughput with copies or in place, to be read against the floor, memcpy
// and the pipe measured in the same run.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstring>
#include <vector>
#include <string>
#include <xipc/anonymous_memory.hpp>
#include <xipc/ring_channel.hpp>
#include <xipc/spsc_ring.hpp>
#include <unistd.h>

#include "machine.hpp"
#include "process_pair.hpp"

namespace {

using xipc::deadline;
using xipc::wait_mode;

constexpr std::size_t rtt_capacity = 1 << 16;

// Two rings in one region: ping (parent to child) and pong (back).
struct ring_pair {
  explicit ring_pair(std::size_t capacity)
      : bytes(xipc::ring_memory_bytes(capacity)), memory(xipc::anonymous_memory::create(2 * bytes)) {
    static_cast<void>(xipc::format_ring(ping(), {.capacity_bytes = capacity}));
    static_cast<void>(xipc::format_ring(pong(), {.capacity_bytes = capacity}));
  }
  std::span<std::byte> ping() { return {memory.data(), bytes}; }
  std::span<std::byte> pong() { return {memory.data() + bytes, bytes}; }

  std::size_t bytes;
  xipc::anonymous_memory memory;
};

void ring_rtt(benchmark::State& state, wait_mode mode, bool idle) {
  const auto size = static_cast<std::size_t>(state.range(0));
  const xipc::wait_policy policy{.mode = mode};
  const double floor_before_ns = xipc::bench::floor_rtt_now();
  // Room for a few messages of the largest size.
  ring_pair rings(std::max(rtt_capacity, std::bit_ceil(4 * size)));
  xipc::bench::partner_process partner([&] {
    auto rx = xipc::ring_consumer::attach(rings.ping(), policy);
    auto tx = xipc::ring_producer::attach(rings.pong(), policy);
    std::vector<std::byte> buffer(size);
    for (;;) {
      const auto got = rx.receive(buffer, deadline::forever());
      if (got.error || tx.send({buffer.data(), got.bytes}, deadline::forever())) return;
    }
  });
  xipc::bench::pin_to_core(0);
  auto tx = xipc::ring_producer::attach(rings.ping(), policy);
  auto rx = xipc::ring_consumer::attach(rings.pong(), policy);
  std::vector<std::byte> message(size, std::byte{7});
  std::vector<std::byte> buffer(size);
  const auto echo = [&] { return !tx.send(message, deadline::forever()) && !rx.receive(buffer, deadline::forever()).error; };
  xipc::bench::latency_samples samples;
  const auto elapsed = idle ? xipc::bench::timed_idle_round_trips(state, samples, echo)
                            : xipc::bench::timed_round_trips(state, samples, echo);
  tx.detach();  // the partner's receive then reports peer_closed, and it exits
  xipc::bench::report_rtt(state, elapsed, floor_before_ns);
  samples.report(state);
}

// The public named API with every default, as a user gets it: two
// ring_channels of 1 MiB, adaptive waits (50 µs of spinning, then sleep).
// Read against ring/rtt (spsc_ring spinning) of the same run.
void channel_rtt(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  const double floor_before_ns = xipc::bench::floor_rtt_now();
  const std::string ping = "xb" + std::to_string(::getpid()) + ".ping";
  const std::string pong = "xb" + std::to_string(::getpid()) + ".pong";
  struct names {
    std::string ping, pong;
    ~names() {
      std::error_code ignored;
      xipc::ring_channel::remove(ping, ignored);
      xipc::ring_channel::remove(pong, ignored);
    }
  } cleanup{ping, pong};
  auto tx = xipc::ring_channel::sender::open_or_create(ping);
  // Made here, before the partner opens its sender, so that our receiver finds it.
  static_cast<void>(xipc::ring_channel::sender::open_or_create(pong));
  xipc::bench::partner_process partner([&] {
    auto rx = xipc::ring_channel::receiver::open(ping);
    auto back = xipc::ring_channel::sender::open_or_create(pong);
    std::vector<std::byte> buffer(size);
    for (;;) {
      const auto got = rx.receive(buffer, deadline::forever());
      if (got.error || back.send({buffer.data(), got.bytes}, deadline::forever())) return;
    }
  });
  xipc::bench::pin_to_core(0);
  auto rx = xipc::ring_channel::receiver::open(pong);
  std::vector<std::byte> message(size, std::byte{7});
  std::vector<std::byte> buffer(size);
  const auto echo = [&] { return !tx.send(message, deadline::forever()) && !rx.receive(buffer, deadline::forever()).error; };
  xipc::bench::latency_samples samples;
  const auto elapsed = xipc::bench::timed_round_trips(state, samples, echo);
  tx = {};  // the partner's receive then reports peer_closed, and it exits
  xipc::bench::report_rtt(state, elapsed, floor_before_ns);
  samples.report(state);
}

// Messages per timed iteration: enough that the drain at its end weighs little.
std::size_t batch_messages(std::size_t size) { return std::clamp<std::size_t>((std::size_t{32} << 20) / size, 512, 1 << 20); }

enum class send_form { copy, in_place, batch };

// Messages a batch publishes with one store in the batch form.
constexpr std::size_t messages_per_batch = 32;

// How the consumer of a throughput run is set up; both sides spin unless said.
enum class consumer_setup {
  spinning,
  adaptive,   // may sleep: the producer checks for a sleeper after every publish
  readiness,  // has made its readiness handle and never arms it, as a busy event loop's
              // receiver: the same check, the cost of making the handle possible
};

// The ring's capacity at least: 1 MiB unless said.
constexpr std::size_t default_ring_bytes = std::size_t{1} << 20;

void ring_throughput(benchmark::State& state, send_form form, consumer_setup setup = consumer_setup::spinning,
                     std::size_t least_capacity = default_ring_bytes) {
  const bool in_place = form == send_form::in_place;
  const double floor_before_ns = xipc::bench::floor_rtt_now();
  const auto size = static_cast<std::size_t>(state.range(0));
  const std::size_t capacity = std::max(least_capacity, size * 16);
  const xipc::wait_policy policy{.mode = wait_mode::spin};
  auto memory = xipc::anonymous_memory::create(xipc::ring_memory_bytes(capacity));
  const std::span<std::byte> bytes{memory.data(), memory.size()};
  static_cast<void>(xipc::format_ring(bytes, {.capacity_bytes = capacity}));
  auto& layout = *reinterpret_cast<xipc::detail::ring_layout*>(memory.data());

  xipc::bench::partner_process partner([&] {
    auto rx = xipc::ring_consumer::attach(
        bytes, setup == consumer_setup::adaptive ? xipc::wait_policy{.mode = wait_mode::adaptive} : policy);
    if (setup == consumer_setup::readiness) static_cast<void>(rx.readiness_handle());
    std::vector<std::byte> buffer(size);
    std::uint64_t sum = 0;
    for (;;) {
      const auto slot = rx.peek(deadline::forever());
      if (!slot) break;
      if (in_place) {
        // Reads every word where it lies: the least a consumer can do with a message.
        for (std::size_t i = 0; i + 8 <= slot.bytes.size(); i += 8) {
          std::uint64_t word;
          std::memcpy(&word, slot.bytes.data() + i, 8);
          sum += word;
        }
      } else {
        std::memcpy(buffer.data(), slot.bytes.data(), slot.bytes.size());
      }
      rx.release();
    }
    benchmark::DoNotOptimize(sum);
  });
  xipc::bench::pin_to_core(0);
  auto tx = xipc::ring_producer::attach(bytes, policy);
  std::vector<std::byte> message(size, std::byte{3});
  const std::vector<std::span<const std::byte>> batch(messages_per_batch, std::span<const std::byte>(message));
  const std::size_t messages = batch_messages(size);
  const auto drained = [&] {
    while (layout.consumer.position.load(std::memory_order_acquire) !=
           layout.producer.position.load(std::memory_order_relaxed)) {
      XIPC_CPU_RELAX();
    }
  };
  // Untimed: the partner starts, and both sides fault the ring's pages in.
  for (std::size_t i = 0; i < std::max<std::size_t>(capacity / size, 64); ++i) {
    static_cast<void>(tx.send(message, deadline::forever()));
  }
  drained();
  for (auto _ : state) {
    switch (form) {
      case send_form::copy:
        for (std::size_t i = 0; i < messages; ++i) static_cast<void>(tx.send(message, deadline::forever()));
        break;
      case send_form::in_place:
        for (std::size_t i = 0; i < messages; ++i) {
          const auto slot = tx.prepare(size, deadline::forever());
          std::memset(slot.bytes.data(), static_cast<int>(i), size);
          tx.commit();
        }
        break;
      case send_form::batch:
        for (std::size_t sent = 0; sent < messages;) {
          const std::size_t wanted = std::min(messages - sent, messages_per_batch);
          sent += tx.try_send_batch(std::span(batch).first(wanted));
        }
        break;
    }
    // The batch counts once the consumer has taken all of it.
    drained();
  }
  tx.detach();
  xipc::bench::report_floor(state, floor_before_ns);
  const auto total = static_cast<double>(state.iterations()) * static_cast<double>(messages);
  state.SetBytesProcessed(static_cast<std::int64_t>(total * static_cast<double>(size)));
  state.counters["msgs_per_s"] = benchmark::Counter(total, benchmark::Counter::kIsRate);
}

}  // namespace

BENCHMARK_CAPTURE(ring_rtt, spin, wait_mode::spin, false)->Name("ring/rtt")->Apply(xipc::bench::every_message_size);
BENCHMARK_CAPTURE(ring_rtt, adaptive, wait_mode::adaptive, false)->Name("ring_adaptive/rtt")->Arg(64);
BENCHMARK(channel_rtt)->Name("ring_channel/rtt")->Arg(64)->Arg(4096);
BENCHMARK_CAPTURE(ring_rtt, block, wait_mode::block, false)->Name("ring_block/rtt")->Arg(64);
// Idle: the receiver has gone to sleep (block) or spun out its 50 µs and slept (adaptive) when the message comes.
BENCHMARK_CAPTURE(ring_rtt, adaptive_idle, wait_mode::adaptive, true)
    ->Name("ring_adaptive/rtt_idle")
    ->Arg(64)
    ->UseManualTime()
    ->Iterations(xipc::bench::idle_round_trips);
BENCHMARK_CAPTURE(ring_rtt, block_idle, wait_mode::block, true)
    ->Name("ring_block/rtt_idle")
    ->Arg(64)
    ->UseManualTime()
    ->Iterations(xipc::bench::idle_round_trips);
BENCHMARK_CAPTURE(ring_throughput, copy, send_form::copy)
    ->Name("ring/throughput")
    ->Apply(xipc::bench::every_message_size)
    ->UseRealTime();
// Read against ring/throughput in the same run.
BENCHMARK_CAPTURE(ring_throughput, adaptive, send_form::copy, consumer_setup::adaptive)
    ->Name("ring_adaptive/throughput")
    ->Arg(64)
    ->Arg(4096)
    ->UseRealTime();
BENCHMARK_CAPTURE(ring_throughput, readiness, send_form::copy, consumer_setup::readiness)
    ->Name("ring_readiness/throughput")
    ->Arg(64)
    ->Arg(4096)
    ->UseRealTime();
BENCHMARK_CAPTURE(ring_throughput, in_place, send_form::in_place)
    ->Name("ring_zero_copy/throughput")
    ->Apply(xipc::bench::every_message_size)
    ->UseRealTime();
// A ring larger than a core's L2, so that the lines the consumer read have
// left its cache when the producer comes back to them (rewrite/… in
// rewrite_bench.cpp); read against ring/throughput/64.
BENCHMARK_CAPTURE(ring_throughput, large, send_form::copy, consumer_setup::spinning, std::size_t{16} << 20)
    ->Name("ring_16mib/throughput")
    ->Arg(64)
    ->UseRealTime();
BENCHMARK_CAPTURE(ring_throughput, batch, send_form::batch)
    ->Name("ring_batch/throughput")
    ->Apply(xipc::bench::every_message_size)
    ->UseRealTime();
