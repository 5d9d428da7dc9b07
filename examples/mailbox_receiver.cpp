// Creates a mailbox and prints each message with its priority until it gets
// "quit". Start it first, then mailbox_sender in another terminal: the
// sender queues its messages before the receiver looks, so they come out
// highest priority first, in order of sending within a priority.
//
//   mailbox_receiver [name] [shm|posix_mq|sysv]
#include <xipc/mailbox.hpp>

#include <array>
#include <chrono>
#include <cstdio>
#include <exception>
#include <string>
#include <string_view>
#include <thread>

#include "mailbox_example.hpp"

int main(int argc, char** argv) try {
  const std::string name = argc > 1 ? argv[1] : "xipc-example-mailbox";
  const xipc::mailbox_backend backend = argc > 2 ? example::parse_backend(argv[2]) : xipc::default_mailbox_backend;
  xipc::mailbox::remove(name);  // a leftover from an earlier run
  // Owned: the mailbox goes when this process ends, however it ends.
  auto inbox = xipc::mailbox::create(name, {.capacity = 10,
                                            .max_message_bytes = 256,
                                            .lifetime = xipc::mailbox_lifetime::owned,
                                            .backend = backend});
  std::printf("mailbox_receiver: mailbox \"%s\" (%s) is open; waiting for the sender to fill it\n", name.c_str(),
              std::string(xipc::to_string(backend)).c_str());
  // Wait until the sender has queued its messages, to show the priority order.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (inbox.size() < example::messages.size() && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::array<std::byte, 256> buffer{};
  for (;;) {
    const auto got = inbox.receive(buffer, std::chrono::seconds(30));
    if (got.error) throw std::system_error(got.error, "receiving");
    const std::string_view text(reinterpret_cast<const char*>(buffer.data()), got.bytes);
    std::printf("mailbox_receiver: priority %2u  %.*s\n", got.priority, static_cast<int>(text.size()), text.data());
    if (text == "quit") return 0;
  }
} catch (const std::exception& e) {
  std::fprintf(stderr, "mailbox_receiver: %s\n", e.what());
  return 1;
}
