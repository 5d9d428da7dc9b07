// The textbook date server: accepts connections on TCP port 6013 and writes
// the current date and time to each, then closes it. date_client reads it.
//
//   date_server [address] [connections]     (default 127.0.0.1:6013, serve forever)
#include <xipc/io.hpp>
#include <xipc/sockets.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <string>

int main(int argc, char** argv) try {
  const auto where = xipc::endpoint::parse(argc > 1 ? argv[1] : "127.0.0.1:6013");
  const long connections = argc > 2 ? std::atol(argv[2]) : 0;
  auto listener = xipc::tcp_listener::listen(where);
  std::printf("date_server: listening on %s\n", listener.local_endpoint().to_string().c_str());
  std::fflush(stdout);
  for (long served = 0; connections == 0 || served < connections; ++served) {
    xipc::tcp_stream client;
    if (const auto error = listener.accept(client)) throw std::system_error(error, "accepting");
    const std::time_t now = std::time(nullptr);
    char text[64];
    std::strftime(text, sizeof text, "%a %b %e %H:%M:%S %Y\n", std::localtime(&now));
    const std::string date = text;
    if (const auto wrote = xipc::write_all(client, std::as_bytes(std::span(date)), std::chrono::seconds(5)); wrote.error) {
      std::fprintf(stderr, "date_server: %s: %s\n", client.peer_endpoint().to_string().c_str(),
                   wrote.error.message().c_str());
    }
  }
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "date_server: %s\n", e.what());
  return 1;
}
