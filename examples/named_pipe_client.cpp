// Sends one message to named_pipe_server and prints the reply.
//
//   named_pipe_client [name] [text]
#include <xipc/named_pipe.hpp>

#include <array>
#include <chrono>
#include <cstdio>
#include <exception>
#include <string>
#include <thread>

int main(int argc, char** argv) try {
  const std::string name = argc > 1 ? argv[1] : "xipc-example";
  const std::string text = argc > 2 ? argv[2] : "client";
  const xipc::named_pipe_options options{.mode = xipc::pipe_mode::message};
  // The server may still be starting: a missing server is errc::not_found, so try again for a while.
  xipc::named_pipe pipe;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    std::error_code ec;
    pipe = xipc::named_pipe::connect(name, options, std::chrono::seconds(10), ec);
    if (!ec) break;
    if (ec != xipc::errc::not_found || std::chrono::steady_clock::now() > give_up) {
      throw std::system_error(ec, "connecting to \"" + name + "\"");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (const auto ec = pipe.send(std::as_bytes(std::span(text)), std::chrono::seconds(10))) {
    throw std::system_error(ec, "sending");
  }
  std::array<std::byte, 1024> buffer{};
  const auto got = pipe.receive(buffer, std::chrono::seconds(10));
  if (got.error) throw std::system_error(got.error, "receiving");
  std::printf("named_pipe_client: the server answered \"%.*s\"\n", static_cast<int>(got.bytes),
              reinterpret_cast<const char*>(buffer.data()));
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "named_pipe_client: %s\n", e.what());
  return 1;
}
