// Readiness handles and wait_set between two processes: the idle round trip
// through an event loop (both sides sleep in poll() on a ring end's handle)
// and through a wait_set of 16 rings with one active, each to be read
// against ring_block/rtt_idle, the ring's own sleeping receive, in the same run.
#include <benchmark/benchmark.h>

#include <poll.h>

#include <memory>
#include <vector>
#include <xipc/anonymous_memory.hpp>
#include <xipc/spsc_ring.hpp>
#include <xipc/wait_set.hpp>

#include "machine.hpp"
#include "process_pair.hpp"

namespace {

using xipc::deadline;
using xipc::errc;

constexpr std::size_t capacity = 1 << 16;
constexpr std::size_t quiet_rings = 15;

// Rings in one region mapped before the fork: ring 0 carries pings, ring 1
// pongs, and the rest stay quiet (the wait_set's other members).
struct ring_region {
  explicit ring_region(std::size_t count)
      : bytes(xipc::ring_memory_bytes(capacity)), memory(xipc::anonymous_memory::create(count * bytes)) {
    for (std::size_t i = 0; i < count; ++i) static_cast<void>(xipc::format_ring(ring(i), {.capacity_bytes = capacity}));
  }
  std::span<std::byte> ring(std::size_t i) { return {memory.data() + i * bytes, bytes}; }

  std::size_t bytes;
  xipc::anonymous_memory memory;
};

// Receives as an event loop does: drain, arm, sleep in poll() on the handle, disarm.
xipc::io_result receive_through_handle(xipc::ring_consumer& rx, std::span<std::byte> buffer) {
  const auto handle = rx.readiness_handle();
  for (;;) {
    const auto got = rx.try_receive(buffer);
    if (got.error != errc::would_block) return got;
    if (!rx.arm()) continue;
    pollfd entry{handle, POLLIN, 0};
    ::poll(&entry, 1, -1);
    rx.disarm(entry.revents != 0);
  }
}

void readiness_rtt_idle(benchmark::State& state) {
  xipc::bench::skip_on_failure(state, [&] {
    const auto size = static_cast<std::size_t>(state.range(0));
    const double floor_before_ns = xipc::bench::floor_rtt_now();
    ring_region rings(2);
    const xipc::wait_policy policy{.mode = xipc::wait_mode::block};
    xipc::bench::partner_process partner([&] {
      auto rx = xipc::ring_consumer::attach(rings.ring(0), policy);
      auto tx = xipc::ring_producer::attach(rings.ring(1), policy);
      std::vector<std::byte> buffer(size);
      for (;;) {
        const auto got = receive_through_handle(rx, buffer);
        if (got.error || tx.send({buffer.data(), got.bytes}, deadline::forever())) return;
      }
    });
    xipc::bench::pin_to_core(0);
    auto tx = xipc::ring_producer::attach(rings.ring(0), policy);
    auto rx = xipc::ring_consumer::attach(rings.ring(1), policy);
    std::vector<std::byte> message(size, std::byte{7});
    std::vector<std::byte> buffer(size);
    const auto echo = [&] {
      return !tx.send(message, deadline::forever()) && !receive_through_handle(rx, buffer).error;
    };
    xipc::bench::latency_samples samples;
    const auto elapsed = xipc::bench::timed_idle_round_trips(state, samples, echo);
    tx.detach();
    xipc::bench::report_rtt(state, elapsed, floor_before_ns);
    samples.report(state);
  });
}

void wait_set_rtt_idle(benchmark::State& state) {
  xipc::bench::skip_on_failure(state, [&] {
    const auto size = static_cast<std::size_t>(state.range(0));
    const double floor_before_ns = xipc::bench::floor_rtt_now();
    ring_region rings(2 + quiet_rings);
    const xipc::wait_policy policy{.mode = xipc::wait_mode::block};
    xipc::bench::partner_process partner([&] {
      // The active ring is added in the middle of the quiet ones.
      std::vector<xipc::ring_consumer> quiet;
      quiet.reserve(quiet_rings);  // members stay where they are while in the set
      xipc::wait_set set(policy);
      for (std::size_t i = 0; i < quiet_rings / 2; ++i) set.add(quiet.emplace_back(xipc::ring_consumer::attach(rings.ring(2 + i))));
      auto rx = xipc::ring_consumer::attach(rings.ring(0), policy);
      set.add(rx);
      for (std::size_t i = quiet_rings / 2; i < quiet_rings; ++i) {
        set.add(quiet.emplace_back(xipc::ring_consumer::attach(rings.ring(2 + i))));
      }
      auto tx = xipc::ring_producer::attach(rings.ring(1), policy);
      std::vector<std::byte> buffer(size);
      std::vector<xipc::wait_set::key> ready;
      for (;;) {
        if (set.wait(ready, deadline::forever())) return;
        const auto got = rx.try_receive(buffer);
        if (got.error == errc::would_block) continue;
        if (got.error || tx.send({buffer.data(), got.bytes}, deadline::forever())) return;
      }
    });
    xipc::bench::pin_to_core(0);
    auto tx = xipc::ring_producer::attach(rings.ring(0), policy);
    auto rx = xipc::ring_consumer::attach(rings.ring(1), policy);
    std::vector<xipc::ring_producer> quiet_ends;
    for (std::size_t i = 0; i < quiet_rings; ++i) quiet_ends.push_back(xipc::ring_producer::attach(rings.ring(2 + i)));
    std::vector<std::byte> message(size, std::byte{7});
    std::vector<std::byte> buffer(size);
    const auto echo = [&] {
      return !tx.send(message, deadline::forever()) && !rx.receive(buffer, deadline::forever()).error;
    };
    xipc::bench::latency_samples samples;
    const auto elapsed = xipc::bench::timed_idle_round_trips(state, samples, echo);
    tx.detach();
    xipc::bench::report_rtt(state, elapsed, floor_before_ns);
    samples.report(state);
  });
}

}  // namespace

// Read against ring_block/rtt_idle: the same idle round trip, sleeping in the ring's own receive.
BENCHMARK(readiness_rtt_idle)
    ->Name("ring_readiness/rtt_idle")
    ->Arg(64)
    ->UseManualTime()
    ->Iterations(xipc::bench::idle_round_trips);
BENCHMARK(wait_set_rtt_idle)
    ->Name("wait_set16/rtt_idle")
    ->Arg(64)
    ->UseManualTime()
    ->Iterations(xipc::bench::idle_round_trips);
