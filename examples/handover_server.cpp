// Accepts TCP connections and hands each one, open, to a worker process over
// a Unix-domain socket (handle passing), with a note of who the client is.
// The server never reads or writes the connection itself. Start
// handover_worker first; any TCP client will do, e.g. date_client.
//
//   handover_server [tcp address] [worker address] [connections]
//                   (default 127.0.0.1:6014, unix:@xipc-handover, serve forever)
#include <xipc/handle_passing.hpp>
#include <xipc/sockets.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "connect_when_ready.hpp"

int main(int argc, char** argv) try {
  using namespace std::chrono_literals;
  const auto where = xipc::endpoint::parse(argc > 1 ? argv[1] : "127.0.0.1:6014");
  const auto worker_at = xipc::endpoint::parse(argc > 2 ? argv[2] : "unix:@xipc-handover");
  const long connections = argc > 3 ? std::atol(argv[3]) : 0;

  auto worker = connect_when_ready<xipc::local_stream>(worker_at);
  auto listener = xipc::tcp_listener::listen(where);
  std::printf("handover_server: listening on %s, handing connections to the worker at %s\n",
              listener.local_endpoint().to_string().c_str(), worker_at.to_string().c_str());
  std::fflush(stdout);
  for (long served = 0; connections == 0 || served < connections; ++served) {
    xipc::tcp_stream client;
    if (const auto error = listener.accept(client)) throw std::system_error(error, "accepting");
    const std::string note = client.peer_endpoint().to_string();
    if (const auto error = xipc::send_handles(worker, xipc::handle_list{}.add(client), std::as_bytes(std::span(note)), 5s)) {
      throw std::system_error(error, "handing a connection to the worker");
    }
    // `client` closes here: the worker's copy keeps the connection open.
  }
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "handover_server: %s\n", e.what());
  return 1;
}
