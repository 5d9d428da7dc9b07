// Echo round trips and one-way throughput between two processes over any
// transport that can send and receive buffers: the transport is described by
// a connection (one side per process), so that pipes, mailboxes and their raw
// baselines are all measured by the same two loops.
#pragma once

#include <benchmark/benchmark.h>

#include <cstddef>
#include <functional>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>

namespace xipc::bench {

// How one process moves data: a whole buffer (stream) or one message.
// finish() tells the other side to stop: its next receive returns false.
struct side {
  std::function<bool(std::span<const std::byte>)> send;
  std::function<bool(std::span<std::byte>)> receive;
  std::function<void()> finish;
};

struct connection {
  side parent;
  side child;
  std::shared_ptr<void> keep;  // the objects the sides use
};

// Makes a connection for messages of up to `size` bytes.
using connection_factory = std::function<connection(std::size_t size)>;

// Round trips of state.range(0) bytes: the child echoes what it receives.
void echo_rtt(benchmark::State& state, const connection_factory& make);

// One-way throughput: batches of state.range(0)-byte sends, each batch
// acknowledged with one byte.
void one_way(benchmark::State& state, const connection_factory& make);

// Registers <name>/rtt/<size> and <name>/throughput/<size>.
void register_message_pair(const std::string& name, connection_factory make, std::initializer_list<long> rtt_sizes,
                           std::initializer_list<long> throughput_sizes);

}  // namespace xipc::bench
