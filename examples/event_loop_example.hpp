// What the event-loop examples share: the objects one thread serves (two
// rings, a mailbox and a TCP connection), their names, and the feeder that
// fills them. event_loop_feeder sends; asio_event_loop and epoll_event_loop
// each serve all four from one thread, through readiness handles
// (docs/event_loops.md), and print what arrived from each.
#pragma once

#include <xipc/mailbox.hpp>
#include <xipc/ring_channel.hpp>
#include <xipc/sockets.hpp>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

namespace event_loop_example {

inline const std::string rings[2] = {"xipc-example-loop-a", "xipc-example-loop-b"};
inline const std::string mailbox_name = "xipc-example-loop-mail";
// The mailbox's last message: the feeder is done with it.
inline const std::string end_of_mail = "end";

// A ring's receiver, once the feeder created the channel (about five seconds
// at most); the channel's name is removed then, so nothing is left behind.
inline xipc::ring_channel::receiver open_ring(const std::string& name) {
  std::error_code ec;
  for (int attempt = 0; attempt < 500; ++attempt) {
    auto rx = xipc::ring_channel::receiver::open(name, {}, ec);
    if (!ec) {
      xipc::ring_channel::remove(name, ec);  // both ends are attached: the name has done its work
      return rx;
    }
    if (ec != xipc::errc::not_found) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  throw std::system_error(ec, "opening ring " + name);
}

// Everything a server serves, set up in the order the feeder expects: the
// owned mailbox, then the TCP port (the feeder connects once it listens, and
// opens the mailbox after that), then both rings once the feeder made them.
struct served_objects {
  xipc::mailbox mail;
  xipc::tcp_stream tcp;
  xipc::ring_channel::receiver rings[2];

  explicit served_objects(const char* port)
      : mail(xipc::mailbox::create(mailbox_name, {.capacity = 64, .max_message_bytes = 256,
                                                  .lifetime = xipc::mailbox_lifetime::owned})) {
    auto listener = xipc::tcp_listener::listen(xipc::endpoint::parse(std::string("127.0.0.1:") + port));
    if (auto error = listener.accept(tcp, std::chrono::seconds(10))) throw std::system_error(error, "accepting");
    rings[0] = open_ring(event_loop_example::rings[0]);
    rings[1] = open_ring(event_loop_example::rings[1]);
  }
};

// What one served source received.
struct tally {
  const char* what;
  unsigned long messages = 0;
  unsigned long bytes = 0;
  bool done = false;

  void print(const char* loop) const {
    std::printf("%s: %-7s %lu messages, %lu bytes\n", loop, what, messages, bytes);
  }
};

}  // namespace event_loop_example
