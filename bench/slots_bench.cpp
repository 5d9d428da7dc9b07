// The hardware's limit for streaming messages between two cores: a minimal
// queue of fixed-size slots, each with its own full/empty word (the
// FastForward design), with nothing xipc adds: no variable sizes, no checks
// of untrusted memory, no waiting policy, no liveness. The ring's throughput
// is read against this, measured in the same run.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <xipc/anonymous_memory.hpp>
#include <xipc/detail/config.hpp>

#include "machine.hpp"
#include "process_pair.hpp"

namespace {

constexpr std::size_t queue_bytes = std::size_t{1} << 20;

struct slot_queue {
  explicit slot_queue(std::size_t payload)
      : slot_bytes((8 + payload + 63) / 64 * 64),
        slots(std::max<std::size_t>(2, queue_bytes / slot_bytes)),
        memory(xipc::anonymous_memory::create(slots * slot_bytes + 128)) {}

  std::atomic<std::uint64_t>& flag(std::size_t i) {
    return *reinterpret_cast<std::atomic<std::uint64_t>*>(memory.data() + (i % slots) * slot_bytes);
  }
  std::byte* payload(std::size_t i) { return memory.data() + (i % slots) * slot_bytes + 8; }
  std::atomic<std::uint64_t>& stop() {
    return *reinterpret_cast<std::atomic<std::uint64_t>*>(memory.data() + slots * slot_bytes);
  }

  std::size_t slot_bytes;
  std::size_t slots;
  xipc::anonymous_memory memory;
};

void slots_throughput(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  const double floor_before_ns = xipc::bench::floor_rtt_now();
  slot_queue queue(size);
  xipc::bench::partner_process partner([&] {
    std::uint64_t sum = 0;
    for (std::size_t i = 0;; ++i) {
      while (queue.flag(i).load(std::memory_order_acquire) == 0) {
        if (queue.stop().load(std::memory_order_relaxed) != 0) {
          benchmark::DoNotOptimize(sum);
          return;
        }
        XIPC_CPU_RELAX();
      }
      const std::byte* data = queue.payload(i);
      for (std::size_t j = 0; j + 8 <= size; j += 8) {
        std::uint64_t word;
        std::memcpy(&word, data + j, 8);
        sum += word;
      }
      queue.flag(i).store(0, std::memory_order_release);
    }
  });
  xipc::bench::pin_to_core(0);
  const std::size_t messages = std::clamp<std::size_t>((std::size_t{32} << 20) / size, 512, 1 << 20);
  std::size_t next = 0;
  const auto send = [&](std::size_t k) {
    while (queue.flag(next).load(std::memory_order_acquire) != 0) XIPC_CPU_RELAX();
    std::memset(queue.payload(next), static_cast<int>(k), size);
    queue.flag(next).store(1, std::memory_order_release);
    ++next;
  };
  // Untimed: the partner starts, and both sides fault the queue's pages in.
  for (std::size_t k = 0; k < queue.slots; ++k) send(k);
  while (queue.flag(next - 1).load(std::memory_order_acquire) != 0) XIPC_CPU_RELAX();
  for (auto _ : state) {
    for (std::size_t k = 0; k < messages; ++k) send(k);
    // The batch counts once the consumer has emptied the last slot.
    while (queue.flag(next - 1).load(std::memory_order_acquire) != 0) XIPC_CPU_RELAX();
  }
  queue.stop().store(1);
  xipc::bench::report_floor(state, floor_before_ns);
  const auto total = static_cast<double>(state.iterations()) * static_cast<double>(messages);
  state.SetBytesProcessed(static_cast<std::int64_t>(total * static_cast<double>(size)));
  state.counters["msgs_per_s"] = benchmark::Counter(total, benchmark::Counter::kIsRate);
}

}  // namespace

BENCHMARK(slots_throughput)->Name("slots/throughput")->Apply(xipc::bench::every_message_size)->UseRealTime();
