// An echo server on a Unix-domain stream socket: every byte a client sends
// comes back, until the client shuts down its side. Only processes of this
// user are served (allow_only_uids). local_echo_client talks to it, and so
// does it to asio_echo_server.
//
//   local_echo_server [address] [clients]     (default unix:@xipc-echo, serve forever)
#include <unistd.h>
#include <xipc/io.hpp>
#include <xipc/sockets.hpp>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <exception>

int main(int argc, char** argv) try {
  const auto where = xipc::endpoint::parse(argc > 1 ? argv[1] : "unix:@xipc-echo");
  const long clients = argc > 2 ? std::atol(argv[2]) : 0;
  auto listener = xipc::local_listener::listen(where);
  listener.allow_only_uids({static_cast<std::uint32_t>(::getuid())});
  std::printf("local_echo_server: listening on %s\n", listener.local_endpoint().to_string().c_str());
  std::fflush(stdout);
  for (long served = 0; clients == 0 || served < clients; ++served) {
    xipc::local_stream client;
    if (const auto error = listener.accept(client)) throw std::system_error(error, "accepting");
    const auto who = client.credentials();
    std::size_t echoed = 0;
    std::array<std::byte, 4096> buffer{};
    for (;;) {
      const auto got = client.read_some(buffer, xipc::deadline::forever());
      if (got.error) break;  // end_of_stream: the client is done
      if (xipc::write_all(client, std::span(buffer).first(got.bytes)).error) break;
      echoed += got.bytes;
    }
    std::printf("local_echo_server: echoed %zu bytes to pid %lld\n", echoed, static_cast<long long>(who.pid));
    std::fflush(stdout);
  }
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "local_echo_server: %s\n", e.what());
  return 1;
}
