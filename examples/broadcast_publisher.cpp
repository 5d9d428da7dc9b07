// Publishes numbered 64-byte messages to every subscriber of a broadcast
// channel: it creates the channel, waits until `subscribers` have joined,
// publishes, and ends with a trailer that carries the count and a checksum,
// so that each broadcast_subscriber can say whether it got everything. The
// `wait` policy holds the publisher back for the slowest subscriber, so
// nobody loses a message.
//
//   broadcast_publisher [name] [subscribers] [messages]
#include <xipc/broadcast.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string_view>
#include <vector>

#include "ring_example.hpp"

int main(int argc, char** argv) try {
  const std::string_view name = argc > 1 ? argv[1] : "xipc-broadcast-example";
  const std::size_t subscribers = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 3;
  const std::uint64_t count = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 100'000;
  auto publisher = xipc::broadcast::publisher::open_or_create(
      name, {.slot_count = 1024, .max_message_bytes = 64, .max_subscribers = 16, .policy = xipc::slow_subscriber::wait});
  if (const auto ec = publisher.wait_for_subscribers(subscribers, std::chrono::seconds(30))) {
    std::fprintf(stderr, "broadcast_publisher: %zu subscribers did not come: %s\n", subscribers, ec.message().c_str());
    return 1;
  }
  std::vector<std::byte> message(64);
  ring_example::checksum sum;
  const auto start = std::chrono::steady_clock::now();
  for (std::uint64_t sequence = 0; sequence < count; ++sequence) {
    ring_example::fill(message, sequence);
    sum.add(message);
    if (const auto ec = publisher.send(message, std::chrono::seconds(10))) {
      std::fprintf(stderr, "broadcast_publisher: message %llu: %s\n", static_cast<unsigned long long>(sequence),
                   ec.message().c_str());
      return 1;
    }
  }
  const ring_example::trailer end{ring_example::trailer_magic, count, sum.value()};
  if (const auto ec = publisher.send(std::as_bytes(std::span(&end, 1)), std::chrono::seconds(10))) {
    std::fprintf(stderr, "broadcast_publisher: trailer: %s\n", ec.message().c_str());
    return 1;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("broadcast_publisher: %llu messages to %zu subscribers in %.3f s, checksum %016llx\n",
              static_cast<unsigned long long>(count), subscribers, seconds, static_cast<unsigned long long>(sum.value()));
  publisher = {};  // subscribers see peer_closed once they have everything
  xipc::broadcast::remove(name);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "broadcast_publisher: %s\n", e.what());
  return 1;
}
