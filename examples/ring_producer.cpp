// Streams numbered messages into a ring_channel and ends with a trailer that
// carries their count and checksum, so that ring_consumer can say whether
// everything arrived intact. Start ring_consumer before or after it.
//
//   ring_producer [name] [messages] [bytes per message]
#include <xipc/ring_channel.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string_view>
#include <vector>

#include "ring_example.hpp"

int main(int argc, char** argv) try {
  const std::string_view name = argc > 1 ? argv[1] : "xipc-ring-example";
  const std::uint64_t count = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1'000'000;
  const std::size_t bytes = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 64;
  if (bytes < sizeof(std::uint64_t) || bytes > ring_example::max_message_bytes) {
    std::fprintf(stderr, "ring_producer: bytes per message must be 8 to %zu\n", ring_example::max_message_bytes);
    return 2;
  }
  auto tx = xipc::ring_channel::sender::open_or_create(name, ring_example::options);

  std::vector<std::byte> message(bytes);
  ring_example::checksum sum;
  const auto start = std::chrono::steady_clock::now();
  for (std::uint64_t sequence = 0; sequence < count; ++sequence) {
    ring_example::fill(message, sequence);
    sum.add(message);
    if (const auto ec = tx.send(message, std::chrono::seconds(10))) {
      std::fprintf(stderr, "ring_producer: message %llu: %s\n", static_cast<unsigned long long>(sequence),
                   ec.message().c_str());
      return 1;
    }
  }
  const ring_example::trailer end{ring_example::trailer_magic, count, sum.value()};
  if (const auto ec = tx.send(std::as_bytes(std::span(&end, 1)), std::chrono::seconds(10))) {
    std::fprintf(stderr, "ring_producer: trailer: %s\n", ec.message().c_str());
    return 1;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("ring_producer: sent %llu messages of %zu bytes in %.3f s: %.2f M msg/s, %.0f MB/s, checksum %016llx\n",
              static_cast<unsigned long long>(count), bytes, seconds, static_cast<double>(count) / seconds / 1e6,
              static_cast<double>(count * bytes) / seconds / 1e6, static_cast<unsigned long long>(sum.value()));
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "ring_producer: %s\n", e.what());
  return 1;
}
