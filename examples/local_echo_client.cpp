// Sends lines to an echo server over a Unix-domain stream socket and checks
// that each comes back unchanged; exits 0 when all did.
//
//   local_echo_client [address] [lines]     (default unix:@xipc-echo, 1000 lines)
#include <xipc/io.hpp>
#include <xipc/sockets.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

#include "connect_when_ready.hpp"

int main(int argc, char** argv) try {
  using namespace std::chrono_literals;
  const auto where = xipc::endpoint::parse(argc > 1 ? argv[1] : "unix:@xipc-echo");
  const long lines = argc > 2 ? std::atol(argv[2]) : 1000;
  auto server = connect_when_ready<xipc::local_stream>(where);
  const auto started = std::chrono::steady_clock::now();
  std::vector<char> back;
  for (long i = 0; i < lines; ++i) {
    const std::string line = "Greetings, line " + std::to_string(i) + "\n";
    if (const auto wrote = xipc::write_all(server, std::as_bytes(std::span(line)), 5s); wrote.error) {
      throw std::system_error(wrote.error, "sending");
    }
    back.resize(line.size());
    if (const auto got = xipc::read_exact(server, std::as_writable_bytes(std::span(back)), 5s); got.error) {
      throw std::system_error(got.error, "reading the echo");
    }
    if (std::string(back.begin(), back.end()) != line) {
      std::fprintf(stderr, "local_echo_client: line %ld came back changed\n", i);
      return 1;
    }
  }
  static_cast<void>(server.shutdown_write());
  const auto took = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - started).count();
  std::printf("local_echo_client: %ld lines echoed intact, %.1f us per round trip\n", lines, took / static_cast<double>(lines));
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "local_echo_client: %s\n", e.what());
  return 1;
}
