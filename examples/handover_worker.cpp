// Serves TCP connections that handover_server accepted and passed over a
// Unix-domain socket: writes a greeting naming this process to each and
// closes it. Ends when the server goes.
//
//   handover_worker [worker address]     (default unix:@xipc-handover)
#include <unistd.h>
#include <xipc/handle_passing.hpp>
#include <xipc/io.hpp>
#include <xipc/sockets.hpp>

#include <array>
#include <chrono>
#include <cstdio>
#include <exception>
#include <string>

int main(int argc, char** argv) try {
  using namespace std::chrono_literals;
  const auto where = xipc::endpoint::parse(argc > 1 ? argv[1] : "unix:@xipc-handover");
  auto listener = xipc::local_listener::listen(where);
  listener.allow_only_uids({static_cast<std::uint32_t>(::getuid())});
  xipc::local_stream server;
  if (const auto error = listener.accept(server, 30s)) throw std::system_error(error, "waiting for the server");

  long served = 0;
  for (;;) {
    xipc::received_handles handles;
    std::array<std::byte, 256> note{};
    const auto got = xipc::receive_handles(server, note, handles);
    if (got.error == xipc::errc::end_of_stream) break;  // the server is gone
    if (got.error) throw std::system_error(got.error, "receiving a connection");
    auto client = handles.take<xipc::tcp_stream>(0);
    const std::string from(reinterpret_cast<const char*>(note.data()), got.bytes);
    const std::string greeting =
        "Greetings from worker pid " + std::to_string(::getpid()) + ", serving " + from + "\n";
    if (const auto wrote = xipc::write_all(client, std::as_bytes(std::span(greeting)), 5s); wrote.error) {
      std::fprintf(stderr, "handover_worker: %s: %s\n", from.c_str(), wrote.error.message().c_str());
    }
    ++served;
  }
  std::printf("handover_worker: served %ld connections handed over by the server\n", served);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "handover_worker: %s\n", e.what());
  return 1;
}
