// Echo round trips and one-way throughput between two processes over any
// transport that can send and receive buffers: the transport is described by
// a connection (one side per process), so that pipes, mailboxes and their raw
// baselines are all measured by the same two loops.
#pragma once

#include <benchmark/benchmark.h>

#include <cstddef>
#include <functional>
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
  // After the fork each process closes the other's ends, as pipe code must:
  // a child that still holds the parent's write end never sees end of stream.
  std::function<void()> close_parent_ends;  // run in the child
  std::function<void()> close_child_ends;   // run in the parent
};

// Makes a connection for messages of up to `size` bytes; throws (unsupported,
// or the transport's own error) when it cannot, and the benchmark is skipped.
using connection_factory = std::function<connection(std::size_t size)>;

// Round trips of state.range(0) bytes: the child echoes what it receives.
// Idle: each after idle_gap (see process_pair.hpp), in manual time.
void echo_rtt(benchmark::State& state, const connection_factory& make, bool idle = false);

// One-way throughput: batches of state.range(0)-byte sends, each batch
// acknowledged with one byte.
void one_way(benchmark::State& state, const connection_factory& make);

// The raw baselines' byte-stream loops: blocking read and write on a pipe,
// FIFO or stream socket until the whole buffer has moved; false on end or error.
bool raw_write_all(int fd, std::span<const std::byte> data);
bool raw_read_exact(int fd, std::span<std::byte> buffer);

// Throws unsupported when a datagram of `size` bytes cannot be sent on the
// socket `fd` in one piece (Unix-domain: its send buffer; UDP: 65507 bytes).
void check_datagram_fits(int fd, std::size_t size);

// Registers <name>/rtt/<size> and <name>/throughput/<size> for every
// message size, and <name>/rtt_idle/64. rtt_only: no throughput;
// throughput_only: no round trips.
enum class measures { rtt_and_throughput, rtt_only, throughput_only };
void register_message_pair(const std::string& name, connection_factory make,
                           measures which = measures::rtt_and_throughput);
// <name>/rtt/<size> and <name>/rtt_idle/64 alone.
void register_round_trips(const std::string& name, const connection_factory& make);

}  // namespace xipc::bench
