// Receives what ring_producer sends, checks every message's number and the
// checksum of them all against the producer's trailer, and removes the channel.
//
//   ring_consumer [name]
#include <xipc/ring_channel.hpp>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string_view>
#include <thread>
#include <vector>

#include "ring_example.hpp"

namespace {

// The producer may start second: wait for it to create the channel.
xipc::ring_channel::receiver open_when_created(std::string_view name) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    std::error_code ec;
    auto rx = xipc::ring_channel::receiver::open(name, {}, ec);
    if (ec != xipc::errc::not_found || std::chrono::steady_clock::now() > give_up) {
      if (ec) throw std::system_error(ec, "opening the ring channel");
      return rx;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace

int main(int argc, char** argv) try {
  const std::string_view name = argc > 1 ? argv[1] : "xipc-ring-example";
  auto rx = open_when_created(name);

  std::vector<std::byte> buffer(ring_example::max_message_bytes);
  ring_example::checksum sum;
  std::uint64_t received = 0;
  std::uint64_t bytes = 0;
  std::uint64_t out_of_order = 0;
  std::chrono::steady_clock::time_point start;
  for (;;) {
    const auto got = rx.receive(buffer, std::chrono::seconds(10));
    if (got.error) {
      std::fprintf(stderr, "ring_consumer: %s before the trailer arrived\n", got.error.message().c_str());
      xipc::ring_channel::remove(name);
      return 1;
    }
    if (received == 0) start = std::chrono::steady_clock::now();
    const std::span<const std::byte> message{buffer.data(), got.bytes};
    if (const auto end = ring_example::as_trailer(message)) {
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      const bool intact = end->messages == received && end->checksum == sum.value() && out_of_order == 0;
      std::printf("ring_consumer: received %llu messages, %llu bytes in %.3f s: %.2f M msg/s; %s\n",
                  static_cast<unsigned long long>(received), static_cast<unsigned long long>(bytes), seconds,
                  static_cast<double>(received) / seconds / 1e6,
                  intact ? "sequence and checksum intact" : "MISMATCH against the producer's trailer");
      xipc::ring_channel::remove(name);
      return intact ? 0 : 1;
    }
    std::uint64_t sequence = 0;
    std::memcpy(&sequence, message.data(), std::min(message.size(), sizeof sequence));
    if (sequence != received) ++out_of_order;
    sum.add(message);
    ++received;
    bytes += message.size();
  }
} catch (const std::exception& e) {
  std::fprintf(stderr, "ring_consumer: %s\n", e.what());
  return 1;
}
