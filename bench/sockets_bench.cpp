// Sockets between two processes, each through xipc and through the raw
// system calls on the very same (blocking) descriptors, so that the
// difference is xipc's own cost: tcp/… next to
// raw_tcp/…, and so on. Every connection is on loopback.
#include <benchmark/benchmark.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <xipc/io.hpp>
#include <xipc/sockets.hpp>

#include "message_pair.hpp"

namespace {

using xipc::deadline;
using xipc::bench::connection;
using xipc::bench::raw_read_exact;
using xipc::bench::raw_write_all;
using xipc::bench::side;

enum class api { raw, xipc };

template <class Stream>
side stream_side(api how, Stream& end) {
  const auto finish = [&end] { static_cast<void>(end.shutdown_write()); };
  if (how == api::raw) {
    const int fd = end.native_handle();
    return {[fd](std::span<const std::byte> d) { return raw_write_all(fd, d); },
            [fd](std::span<std::byte> b) { return raw_read_exact(fd, b); }, finish};
  }
  return {[&end](std::span<const std::byte> d) { return !xipc::write_all(end, d).error; },
          [&end](std::span<std::byte> b) { return !xipc::read_exact(end, b).error; }, finish};
}

template <class Listener, class Stream>
connection streams(api how, const xipc::endpoint& where) {
  struct objects {
    Listener listener;
    Stream client, served;
  };
  auto keep = std::make_shared<objects>();
  keep->listener = Listener::listen(where);
  keep->client = Stream::connect(keep->listener.local_endpoint());
  static_cast<void>(keep->listener.accept(keep->served));
  return {stream_side(how, keep->client), stream_side(how, keep->served), keep, [keep] { keep->client.close(); },
          [keep] { keep->served.close(); }};
}

// A datagram side; an empty datagram tells the partner to stop.
template <class Datagram>
side datagram_side(api how, Datagram& end) {
  const int fd = end.native_handle();
  const auto finish = [fd] { ::send(fd, "", 0, MSG_NOSIGNAL); };
  if (how == api::raw) {
    return {[fd](std::span<const std::byte> m) { return ::send(fd, m.data(), m.size(), MSG_NOSIGNAL) >= 0; },
            [fd](std::span<std::byte> b) { return ::recv(fd, b.data(), b.size(), 0) > 0; }, finish};
  }
  return {[&end](std::span<const std::byte> m) { return !end.send(m, deadline::forever()); },
          [&end](std::span<std::byte> b) {
            const auto got = end.receive(b, deadline::forever());
            return !got.error && got.bytes != 0;
          },
          finish};
}

template <class Datagram>
connection datagrams(api how, std::size_t size, const xipc::endpoint& a_where, const xipc::endpoint& b_where) {
  struct objects {
    Datagram a, b;
  };
  auto keep = std::make_shared<objects>();
  keep->a = Datagram::bind(a_where);
  keep->b = Datagram::bind(b_where);
  static_cast<void>(keep->a.connect_to(keep->b.local_endpoint()));
  static_cast<void>(keep->b.connect_to(keep->a.local_endpoint()));
  xipc::bench::check_datagram_fits(keep->a.native_handle(), size);
  return {datagram_side(how, keep->a), datagram_side(how, keep->b), keep, [keep] { keep->a.close(); },
          [keep] { keep->b.close(); }};
}

std::string abstract(const char* label) { return "xb" + std::to_string(::getpid()) + "." + label; }

void register_pair(const std::string& name, const std::function<connection(api, std::size_t)>& make,
                   xipc::bench::measures which = xipc::bench::measures::rtt_and_throughput) {
  for (const auto how : {api::xipc, api::raw}) {
    xipc::bench::register_message_pair(how == api::raw ? "raw_" + name : name,
                                       [make, how](std::size_t size) { return make(how, size); }, which);
  }
}

[[maybe_unused]] const bool registered = [] {
  register_pair("tcp", [](api how, std::size_t) {
    return streams<xipc::tcp_listener, xipc::tcp_stream>(how, xipc::endpoint::loopback_v4(0));
  });
  register_pair("local_stream", [](api how, std::size_t) {
    return streams<xipc::local_listener, xipc::local_stream>(how, xipc::endpoint::abstract(abstract("ls")));
  });
  register_pair("local_dgram", [](api how, std::size_t size) {
    return datagrams<xipc::local_datagram>(how, size, xipc::endpoint::abstract(abstract("da")),
                                           xipc::endpoint::abstract(abstract("db")));
  });
  // UDP is measured for round trips only: one way, a fast sender overruns the
  // receiver's buffer and datagrams are dropped, which measures nothing useful.
  register_pair(
      "udp",
      [](api how, std::size_t size) {
        return datagrams<xipc::udp_socket>(how, size, xipc::endpoint::loopback_v4(0), xipc::endpoint::loopback_v4(0));
      },
      xipc::bench::measures::rtt_only);
  return true;
}();

}  // namespace
