// The textbook date server as a port service: clients connect to the port
// "xipc-date" and call it. A call "date" is answered with the current date
// and time; any other call is echoed back. A client that goes away is seen
// as peer_closed on receive, ALPC's port-closed message.
//
//   port_date_server [clients]     (default: serve forever)
#include <xipc/port.hpp>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

void serve(xipc::port connection) {
  const auto peer = connection.peer();
  std::printf("port_date_server: client pid %lld uid %u connected\n", static_cast<long long>(peer.pid), peer.uid);
  std::fflush(stdout);
  std::array<std::byte, 256> request{};
  long calls = 0;
  for (;;) {
    const auto got = connection.receive(request, xipc::deadline::forever());
    if (got.error == xipc::errc::peer_closed) break;
    if (got.error) {
      std::fprintf(stderr, "port_date_server: receive: %s\n", got.error.message().c_str());
      return;
    }
    if (got.call_id == 0) continue;  // a plain message: nothing to answer
    ++calls;
    const std::string_view asked(reinterpret_cast<const char*>(request.data()), got.bytes);
    std::string answer(asked);
    if (asked == "date") {
      const std::time_t now = std::time(nullptr);
      char text[64];
      std::strftime(text, sizeof text, "%a %b %e %H:%M:%S %Y", std::localtime(&now));
      answer = text;
    }
    if (const auto error = connection.reply(got.call_id, std::as_bytes(std::span(answer)), std::chrono::seconds(5))) {
      std::fprintf(stderr, "port_date_server: reply: %s\n", error.message().c_str());
      return;
    }
  }
  std::printf("port_date_server: client pid %lld went away after %ld calls\n", static_cast<long long>(peer.pid), calls);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) try {
  const long clients = argc > 1 ? std::atol(argv[1]) : 0;
  auto server = xipc::port_server::create("xipc-date");
  std::printf("port_date_server: serving port \"%s\"\n", server.name().c_str());
  std::fflush(stdout);
  std::vector<std::thread> served;
  for (long accepted = 0; clients == 0 || accepted < clients; ++accepted) {
    xipc::port connection;
    if (const auto error = server.accept(connection)) throw std::system_error(error, "accepting");
    served.emplace_back(serve, std::move(connection));
  }
  for (auto& thread : served) thread.join();
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "port_date_server: %s\n", e.what());
  return 1;
}
