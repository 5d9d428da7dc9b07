// A message-mode named pipe server: answers each client's message with a
// greeting, for `clients` clients (one after another), then stops.
//
//   named_pipe_server [name] [clients]
#include <xipc/named_pipe.hpp>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

int main(int argc, char** argv) try {
  const std::string name = argc > 1 ? argv[1] : "xipc-example";
  const int clients = argc > 2 ? std::atoi(argv[2]) : 3;
  const xipc::named_pipe_options options{.mode = xipc::pipe_mode::message};
  auto server = xipc::named_pipe_server::create(name, options);
  std::printf("named_pipe_server: serving \"%s\" for %d clients\n", name.c_str(), clients);
  std::fflush(stdout);
  for (int served = 0; served < clients; ++served) {
    xipc::named_pipe connection;
    if (const auto ec = server.accept(connection, std::chrono::seconds(30))) throw std::system_error(ec, "accepting");
    std::array<std::byte, 1024> buffer{};
    const auto got = connection.receive(buffer, std::chrono::seconds(10));
    if (got.error) throw std::system_error(got.error, "receiving");
    const std::string reply = "hello, " + std::string(reinterpret_cast<const char*>(buffer.data()), got.bytes);
    if (const auto ec = connection.send(std::as_bytes(std::span(reply)), std::chrono::seconds(10))) {
      throw std::system_error(ec, "replying");
    }
  }
  std::printf("named_pipe_server: served %d clients\n", clients);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "named_pipe_server: %s\n", e.what());
  return 1;
}
