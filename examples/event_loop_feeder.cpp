// Feeds the event-loop examples: creates two ring channels, opens the
// server's mailbox, connects to its TCP port, and sends COUNT messages to
// each, at a varying pace so that the server sleeps and wakes often.
//
//   event_loop_feeder PORT COUNT
#include <xipc/io.hpp>
#include <xipc/sockets.hpp>

#include <cstdlib>
#include <exception>

#include "connect_when_ready.hpp"
#include "event_loop_example.hpp"

using namespace std::chrono_literals;
namespace example = event_loop_example;

int main(int argc, char** argv) try {
  if (argc != 3) {
    std::fprintf(stderr, "usage: event_loop_feeder PORT COUNT\n");
    return 2;
  }
  const long count = std::atol(argv[2]);
  xipc::ring_channel::sender rings[2] = {
      xipc::ring_channel::sender::open_or_create(example::rings[0], {.capacity_bytes = 1 << 16}),
      xipc::ring_channel::sender::open_or_create(example::rings[1], {.capacity_bytes = 1 << 16})};
  auto tcp = connect_when_ready<xipc::tcp_stream>(xipc::endpoint::parse(std::string("127.0.0.1:") + argv[1]));
  // The server creates the mailbox before it listens: it exists by now.
  auto mail = xipc::mailbox::open(example::mailbox_name);
  for (long i = 0; i < count; ++i) {
    const std::string text = "message " + std::to_string(i) + "\n";
    const auto bytes = std::as_bytes(std::span(text));
    if (auto error = rings[i % 2].send(bytes, 5s)) throw std::system_error(error, "ring");
    if (i % 3 == 0) {
      if (auto error = mail.send(bytes, 5s)) throw std::system_error(error, "mailbox");
    }
    if (i % 5 == 0) {
      if (auto wrote = xipc::write_all(tcp, bytes, 5s); wrote.error) throw std::system_error(wrote.error, "tcp");
    }
    // A pause now and then: the server's loop goes to sleep, and must be woken.
    if (i % 100 == 99) std::this_thread::sleep_for(1ms);
  }
  if (auto error = mail.send(std::as_bytes(std::span(example::end_of_mail)), 5s)) throw std::system_error(error, "mailbox");
  std::printf("event_loop_feeder: sent %ld messages over two rings, a mailbox and TCP\n", count);
  return 0;  // closing the rings and the connection tells the server they are done
} catch (const std::exception& e) {
  std::fprintf(stderr, "event_loop_feeder: %s\n", e.what());
  return 1;
}
