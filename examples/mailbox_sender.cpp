// Sends a few messages at different priorities to the mailbox that
// mailbox_receiver created, then "quit" at the lowest priority.
//
//   mailbox_sender [name]
#include <xipc/mailbox.hpp>

#include <chrono>
#include <cstdio>
#include <exception>
#include <string>
#include <thread>

#include "mailbox_example.hpp"

int main(int argc, char** argv) try {
  const std::string name = argc > 1 ? argv[1] : "xipc-example-mailbox";
  // The receiver creates the mailbox: wait for it for up to 30 seconds.
  xipc::mailbox outbox;
  std::error_code ec;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  do {
    outbox = xipc::mailbox::open(name, ec);
    if (ec == xipc::errc::not_found) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  } while (ec == xipc::errc::not_found && std::chrono::steady_clock::now() < give_up);
  if (ec) throw std::system_error(ec, "opening mailbox \"" + name + "\"");

  for (const auto& [text, priority] : example::messages) {
    if (const auto error = outbox.send(std::as_bytes(std::span(text)), priority, std::chrono::seconds(10))) {
      throw std::system_error(error, "sending");
    }
    std::printf("mailbox_sender: sent at priority %2u  %.*s\n", priority, static_cast<int>(text.size()), text.data());
  }
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "mailbox_sender: %s\n", e.what());
  return 1;
}
