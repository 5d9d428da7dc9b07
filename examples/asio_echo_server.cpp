// The echo server again, asynchronous with Boost.Asio: xipc makes the
// Unix-domain listener and accepts; each connection's descriptor is handed
// to Asio (boost::asio::posix::stream_descriptor), which echoes with
// async_read_some / async_write. One thread serves every client at once.
// local_echo_client talks to it.
//
//   asio_echo_server [address] [clients]     (default unix:@xipc-echo, serve forever)
// Boost 1.74's asio/awaitable.hpp uses std::exchange without including <utility>.
#include <utility>

#include <boost/asio.hpp>
#include <unistd.h>
#include <xipc/sockets.hpp>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>

namespace {

namespace asio = boost::asio;

// One client: read what arrives, write it back, until the client shuts down its side.
class echo_session : public std::enable_shared_from_this<echo_session> {
 public:
  echo_session(asio::io_context& io, xipc::local_stream connection)
      : pid_(connection.credentials().pid), stream_(io, connection.release()) {}  // Asio owns the descriptor now

  void read() {
    stream_.async_read_some(asio::buffer(buffer_), [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
      if (ec) return self->finish(ec);
      asio::async_write(self->stream_, asio::buffer(self->buffer_, n),
                        [self](boost::system::error_code write_ec, std::size_t written) {
                          if (write_ec) return self->finish(write_ec);
                          self->echoed_ += written;
                          self->read();
                        });
    });
  }

 private:
  void finish(const boost::system::error_code& ec) {
    std::printf("asio_echo_server: echoed %zu bytes to pid %lld (%s)\n", echoed_, static_cast<long long>(pid_),
                ec == asio::error::eof ? "end of stream" : ec.message().c_str());
    std::fflush(stdout);
  }

  std::int64_t pid_;
  asio::posix::stream_descriptor stream_;
  std::array<char, 4096> buffer_{};
  std::size_t echoed_ = 0;
};

// Waits (in Asio) until the listener has a connection, accepts it with xipc, and starts a session.
class acceptor {
 public:
  acceptor(asio::io_context& io, xipc::local_listener& listener, long clients)
      : io_(io), listener_(listener), watch_(io, listener.native_handle()), clients_(clients) {}
  ~acceptor() { static_cast<void>(watch_.release()); }  // the listener still owns its descriptor

  void wait() {
    watch_.async_wait(asio::posix::stream_descriptor::wait_read, [this](boost::system::error_code ec) {
      if (ec) return;
      xipc::local_stream connection;
      // Ready now; anything else (a refused uid, a client that left) is tried again on the next wake.
      if (!listener_.accept(connection, xipc::deadline::immediately())) {
        std::make_shared<echo_session>(io_, std::move(connection))->read();
        ++accepted_;
      }
      if (clients_ == 0 || accepted_ < clients_) wait();
    });
  }

 private:
  asio::io_context& io_;
  xipc::local_listener& listener_;
  asio::posix::stream_descriptor watch_;
  long clients_;
  long accepted_ = 0;
};

}  // namespace

int main(int argc, char** argv) try {
  const auto where = xipc::endpoint::parse(argc > 1 ? argv[1] : "unix:@xipc-echo");
  const long clients = argc > 2 ? std::atol(argv[2]) : 0;
  auto listener = xipc::local_listener::listen(where);
  listener.allow_only_uids({static_cast<std::uint32_t>(::getuid())});
  std::printf("asio_echo_server: listening on %s\n", listener.local_endpoint().to_string().c_str());
  std::fflush(stdout);
  asio::io_context io;
  acceptor accepting(io, listener, clients);
  accepting.wait();
  io.run();  // returns once every session has finished and no more clients are awaited
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "asio_echo_server: %s\n", e.what());
  return 1;
}
