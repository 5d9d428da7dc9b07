// Joins a broadcast channel made by broadcast_publisher (waiting for it to
// exist), receives every message until the trailer, and checks the count,
// the order and the checksum. Start as many as the publisher waits for.
//
//   broadcast_subscriber [name]
#include <xipc/broadcast.hpp>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string_view>
#include <thread>
#include <vector>

#include "ring_example.hpp"

int main(int argc, char** argv) try {
  const std::string_view name = argc > 1 ? argv[1] : "xipc-broadcast-example";
  xipc::broadcast::subscriber subscriber;
  for (int attempt = 0; !subscriber.is_open(); ++attempt) {
    std::error_code ec;
    subscriber = xipc::broadcast::subscriber::open(name, {}, ec);
    if (!ec) break;
    if (ec != xipc::errc::not_found || attempt == 3000) {
      std::fprintf(stderr, "broadcast_subscriber: %s\n", ec.message().c_str());
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::vector<std::byte> buffer(subscriber.end().max_message_bytes());
  ring_example::checksum sum;
  for (std::uint64_t expected = 0;; ++expected) {
    const xipc::broadcast_received got = subscriber.receive(buffer, std::chrono::seconds(30));
    if (got.error) {
      std::fprintf(stderr, "broadcast_subscriber: after %llu messages: %s\n", static_cast<unsigned long long>(expected),
                   got.error.message().c_str());
      return 1;
    }
    const std::span<const std::byte> message(buffer.data(), got.bytes);
    if (const auto end = ring_example::as_trailer(message)) {
      const bool whole = end->messages == expected && end->checksum == sum.value() && subscriber.lost() == 0;
      std::printf("broadcast_subscriber: %llu messages, checksum %016llx: %s\n", static_cast<unsigned long long>(expected),
                  static_cast<unsigned long long>(sum.value()), whole ? "all there, in order" : "NOT what was sent");
      return whole ? 0 : 1;
    }
    std::uint64_t sequence = 0;
    std::memcpy(&sequence, message.data(), sizeof sequence);
    if (got.lost != 0 || sequence != expected) {
      std::fprintf(stderr, "broadcast_subscriber: message %llu where %llu was due (%llu lost)\n",
                   static_cast<unsigned long long>(sequence), static_cast<unsigned long long>(expected),
                   static_cast<unsigned long long>(got.lost));
      return 1;
    }
    sum.add(message);
  }
} catch (const std::exception& e) {
  std::fprintf(stderr, "broadcast_subscriber: %s\n", e.what());
  return 1;
}
