// Connects to the date server and prints what it sends until it closes.
//
//   date_client [address]     (default 127.0.0.1:6013; localhost:6013 works too)
#include <xipc/sockets.hpp>

#include <array>
#include <chrono>
#include <cstdio>
#include <exception>

#include "connect_when_ready.hpp"

int main(int argc, char** argv) try {
  const auto where = xipc::endpoint::parse(argc > 1 ? argv[1] : "127.0.0.1:6013");
  auto server = connect_when_ready<xipc::tcp_stream>(where);
  std::array<std::byte, 256> buffer{};
  for (;;) {
    const auto got = server.read_some(buffer, std::chrono::seconds(5));
    if (got.error == xipc::errc::end_of_stream) return 0;
    if (got.error) throw std::system_error(got.error, "reading");
    std::fwrite(buffer.data(), 1, got.bytes, stdout);
  }
} catch (const std::exception& e) {
  std::fprintf(stderr, "date_client: %s\n", e.what());
  return 1;
}
