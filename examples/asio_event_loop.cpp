// One thread with a Boost.Asio io_context serves two rings, a mailbox and a
// TCP connection: each readiness handle is waited on as a
// posix::stream_descriptor. Run event_loop_feeder against it.
//
//   asio_event_loop PORT
//
// Asio's reactor is edge-triggered, so each wait is started *before* the
// source is armed: a ring that comes between the two is then never missed.
// When arm() says "ready already", the wait is cancelled and its handler
// runs at once. docs/event_loops.md has the protocol.
#include <xipc/io.hpp>
#include <xipc/sockets.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <exception>
#include <functional>

#include "event_loop_example.hpp"

namespace asio = boost::asio;
namespace example = event_loop_example;

// One served source: its handle in Asio's reactor and what to do when it fires.
class served_source {
 public:
  // drain(): takes everything there is; true once the source is finished.
  // arm(), disarm(): the source's readiness calls (none for a socket).
  served_source(asio::io_context& io, xipc::native_handle_type handle, std::function<bool()> drain,
                std::function<bool()> arm, std::function<void()> disarm)
      : descriptor_(io, ::dup(handle)), drain_(std::move(drain)), arm_(std::move(arm)), disarm_(std::move(disarm)) {}

  void start() {
    if (drain_()) return;
    descriptor_.async_wait(asio::posix::stream_descriptor::wait_read, [this](const boost::system::error_code& ec) {
      // operation_aborted: cancelled below because the source was ready already.
      if (ec && ec != asio::error::operation_aborted) return;
      disarm_();
      start();
    });
    if (!arm_()) descriptor_.cancel();
  }

 private:
  asio::posix::stream_descriptor descriptor_;  // owns a duplicate: the xipc object keeps its own
  std::function<bool()> drain_;
  std::function<bool()> arm_;
  std::function<void()> disarm_;
};

int main(int argc, char** argv) try {
  if (argc != 2) {
    std::fprintf(stderr, "usage: asio_event_loop PORT\n");
    return 2;
  }
  example::served_objects served(argv[1]);
  // References, not a structured binding: lambdas may capture those only from C++20 compilers newer than clang 14.
  auto& mail = served.mail;
  auto& tcp = served.tcp;
  auto& rings = served.rings;

  example::tally tallies[4] = {{"ring a"}, {"ring b"}, {"mailbox"}, {"tcp"}};
  std::array<std::byte, 512> buffer{};
  asio::io_context io;
  std::vector<std::unique_ptr<served_source>> sources;
  for (int i = 0; i < 2; ++i) {
    auto& rx = rings[i];
    auto& tally = tallies[i];
    sources.push_back(std::make_unique<served_source>(
        io, rx.readiness_handle(),
        [&rx, &tally, &buffer] {
          for (;;) {
            const auto got = rx.try_receive(buffer);
            if (got.error) return got.error != xipc::errc::would_block;  // peer_closed: finished
            ++tally.messages;
            tally.bytes += got.bytes;
          }
        },
        [&rx] { return rx.arm(); }, [&rx] { rx.disarm(); }));
  }
  sources.push_back(std::make_unique<served_source>(
      io, mail.readiness_handle(xipc::ready_for::receive),
      [&] {
        for (;;) {
          const auto got = mail.try_receive(buffer);
          if (got.error) return false;
          if (std::string_view(reinterpret_cast<const char*>(buffer.data()), got.bytes) == example::end_of_mail) {
            return true;
          }
          ++tallies[2].messages;
          tallies[2].bytes += got.bytes;
        }
      },
      [&] { return mail.arm(xipc::ready_for::receive); }, [&] { mail.disarm(xipc::ready_for::receive); }));
  sources.push_back(std::make_unique<served_source>(
      io, tcp.native_handle(),
      [&] {
        for (;;) {
          const auto got = tcp.read_some(buffer, xipc::deadline::immediately());
          if (got.error) return got.error != xipc::errc::would_block;  // end_of_stream: finished
          tallies[3].bytes += got.bytes;
          tallies[3].messages += static_cast<unsigned long>(
              std::count(buffer.begin(), buffer.begin() + static_cast<long>(got.bytes), std::byte{'\n'}));
        }
      },
      [] { return true; }, [] {}));  // a socket needs no arming: its descriptor is its readiness
  for (auto& source : sources) source->start();
  io.run();  // returns when every source is finished: no wait is pending any more
  for (const auto& t : tallies) t.print("asio_event_loop");
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "asio_event_loop: %s\n", e.what());
  return 1;
}
