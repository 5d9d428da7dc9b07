// Ports between two processes: port/… moves plain messages (small ones
// through the kernel, large ones through the connection's section), and
// port_call/… makes each round trip a call answered by reply. Their
// baselines run in the same binary: raw_unix_seqpacket/… (one send and one
// recv on a seqpacket socket, what a small port message costs at least),
// mailbox_shm/… (the hand-built request/reply pair: a mailbox each way) and
// local_stream/… (the bytes of a large message copied through a socket).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <xipc/port.hpp>

#include "message_pair.hpp"

namespace {

using xipc::deadline;
using xipc::bench::connection;
using xipc::bench::side;

// Sections of 4 MiB each way: every message size of the report fits, with room for a few in flight.
constexpr xipc::port_options options{.inline_limit = 256, .section_bytes = 4 << 20};

struct port_pair {
  xipc::port_server server;
  xipc::port client;
  xipc::port served;
};

std::shared_ptr<port_pair> connect_ports() {
  static std::atomic<int> counter{0};
  const std::string name = "xb" + std::to_string(::getpid()) + ".port." + std::to_string(counter++);
  auto pair = std::make_shared<port_pair>();
  pair->server = xipc::port_server::create(name, options);
  std::thread client([&] { pair->client = xipc::port::connect(name, std::chrono::seconds(5)); });
  const auto accepted = pair->server.accept(pair->served, std::chrono::seconds(5));
  client.join();
  if (accepted) throw std::system_error(accepted, "accepting");
  return pair;
}

// Plain messages; closing the port ends the partner's receive (peer_closed).
side message_side(xipc::port& end) {
  return {[&end](std::span<const std::byte> m) { return !end.send(m, deadline::forever()); },
          [&end](std::span<std::byte> b) { return !end.receive(b, deadline::forever()).error; },
          [&end] { end = {}; }};
}

connection messages(std::size_t) {
  auto pair = connect_ports();
  return {message_side(pair->client), message_side(pair->served), pair, [pair] { pair->client = {}; },
          [pair] { pair->served = {}; }};
}

// Calls: the caller's send keeps the request and its receive makes the call;
// the callee's receive takes the call and its send is the reply.
connection calls(std::size_t) {
  struct state {
    std::shared_ptr<port_pair> pair;
    std::span<const std::byte> request;
    std::uint64_t call_id = 0;
  };
  auto s = std::make_shared<state>();
  s->pair = connect_ports();
  side caller{[s](std::span<const std::byte> m) {
                s->request = m;
                return true;
              },
              [s](std::span<std::byte> b) { return !s->pair->client.call(s->request, b, deadline::forever()).error; },
              [s] { s->pair->client = {}; }};
  side callee{[s](std::span<const std::byte> m) { return !s->pair->served.reply(s->call_id, m, deadline::forever()); },
              [s](std::span<std::byte> b) {
                const auto got = s->pair->served.receive(b, deadline::forever());
                s->call_id = got.call_id;
                return !got.error;
              },
              [s] { s->pair->served = {}; }};
  return {caller, callee, s, [s] { s->pair->client = {}; }, [s] { s->pair->served = {}; }};
}

[[maybe_unused]] const bool registered = [] {
  xipc::bench::register_message_pair("port", messages);
  xipc::bench::register_message_pair("port_call", calls, xipc::bench::measures::rtt_only);
  return true;
}();

}  // namespace
