// A port whose connections carry large messages: 16 MiB buffers go through
// the connection's section, and only their place in it through the kernel.
// The server reads each call in place (no copy out of the section) and
// answers with its checksum. port_bulk_client sends them.
//
//   port_bulk_server [clients]     (default 1)
#include <xipc/port.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "port_bulk.hpp"

int main(int argc, char** argv) try {
  const long clients = argc > 1 ? std::atol(argv[1]) : 1;
  auto server = xipc::port_server::create(port_bulk::name, {.inline_limit = 256, .section_bytes = port_bulk::section_bytes});
  std::printf("port_bulk_server: serving port \"%s\", sections of %zu MiB each way\n", server.name().c_str(),
              port_bulk::section_bytes >> 20);
  std::fflush(stdout);
  for (long served = 0; served < clients; ++served) {
    xipc::port connection;
    if (const auto error = server.accept(connection)) throw std::system_error(error, "accepting");
    long buffers = 0;
    for (;;) {
      xipc::port_received call;
      if (const auto error = connection.receive(call, xipc::deadline::forever())) {
        if (error == xipc::errc::peer_closed) break;
        throw std::system_error(error, "receiving");
      }
      const std::uint64_t sum = port_bulk::checksum(call.bytes());
      const std::uint64_t id = call.call_id();
      call.release();  // the room goes back to the client before it sends again
      if (const auto error = connection.reply(id, std::as_bytes(std::span(&sum, 1)), std::chrono::seconds(5))) {
        throw std::system_error(error, "replying");
      }
      ++buffers;
    }
    std::printf("port_bulk_server: %ld buffers checked\n", buffers);
  }
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "port_bulk_server: %s\n", e.what());
  return 1;
}
