// Sockets behind the same concepts as every other transport: TCP and
// Unix-domain streams are byte_streams, UDP and Unix-domain datagram sockets
// message_channels (once connected). Addresses are xipc::endpoint.
//
//   auto server = xipc::tcp_listener::listen(xipc::endpoint::parse("127.0.0.1:6013"));
//   xipc::tcp_stream connection;
//   std::error_code accepted = server.accept(connection, 5s);
//   auto client = xipc::tcp_stream::connect(xipc::endpoint::parse("localhost:6013"), 5s);
//
// POSIX: BSD sockets. Windows: Winsock2 (AF_UNIX streams from Windows 10).
// See docs/sockets.md.
//
// Thread safety: a socket object may be used by two threads at once, one
// sending or reading and one receiving or writing (the OS call is the only
// shared state); two threads reading, or two writing a stream, interleave
// unpredictably. A listener's accept may be called from many threads; its
// allow_only_uids must not race with accept. Moving must not race with use.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <xipc/concepts.hpp>
#include <xipc/deadline.hpp>
#include <xipc/detail/owned_handle.hpp>
#include <xipc/endpoint.hpp>
#include <xipc/error.hpp>
#include <xipc/passable.hpp>
#include <xipc/permissions.hpp>

namespace xipc {
namespace detail {
struct failure;
struct handle_passing;

// The Unix-domain socket file a listener or datagram socket bound, removed
// when its owner goes, and only if the file is still the one it made.
class socket_file {
 public:
  socket_file() noexcept = default;
  socket_file(endpoint where, std::uint64_t file_id) noexcept : where_(std::move(where)), file_id_(file_id) {}
  socket_file(socket_file&& other) noexcept : where_(std::move(other.where_)), file_id_(std::exchange(other.file_id_, 0)) {}
  socket_file& operator=(socket_file&& other) noexcept;
  ~socket_file() { remove(); }

 private:
  void remove() noexcept;
  endpoint where_;
  std::uint64_t file_id_ = 0;  // device and inode; 0 for anything but a Unix-domain path
};
}  // namespace detail

// The protocols, as tags: what kind of endpoint each takes.
struct tcp {
  static constexpr const char* name = "tcp";
  static constexpr bool local = false;
};
struct udp {
  static constexpr const char* name = "udp";
  static constexpr bool local = false;
};
struct local_stream_protocol {
  static constexpr const char* name = "local_stream";
  static constexpr bool local = true;
};
struct local_datagram_protocol {
  static constexpr const char* name = "local_datagram";
  static constexpr bool local = true;
};

// Who is at the other end of a Unix-domain socket, as the kernel saw it when
// the connection was made (SO_PEERCRED). Windows reports the pid only: uid
// and gid are 0 there.
struct peer_credentials {
  std::int64_t pid = 0;
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
};

// A connected stream socket: TCP or Unix-domain.
template <class Protocol>
class basic_stream : public detail::owned_socket {
 public:
  basic_stream() noexcept = default;

  // Connects to `where`, waiting until `until`: errc::not_found (connection
  // refused: nobody listens), errc::timed_out, errc::invalid_argument for an
  // endpoint of the wrong kind. TCP streams have Nagle's delay off.
  static basic_stream connect(const endpoint& where, deadline until = deadline::forever());
  static basic_stream connect(const endpoint& where, deadline until, std::error_code& ec);

  // byte_stream: errc::end_of_stream once the peer shut down its side and
  // everything was read; errc::peer_closed when it reset the connection.
  [[nodiscard]] io_result read_some(std::span<std::byte> buffer, deadline until) noexcept;
  [[nodiscard]] io_result write_some(std::span<const std::byte> data, deadline until) noexcept;

  // Half-close: the peer reads end_of_stream, and can still write to us.
  std::error_code shutdown_write() noexcept;

  endpoint local_endpoint() const;
  endpoint peer_endpoint() const;

  // TCP only: Nagle's algorithm off (true, the default) or on.
  std::error_code set_no_delay(bool on) noexcept
    requires(!Protocol::local);
  // Unix-domain only.
  peer_credentials credentials() const
    requires(Protocol::local);

 private:
  template <class>
  friend class basic_listener;
  friend struct detail::handle_passing;  // a stream received from another process
  explicit basic_stream(native_handle_type handle) noexcept : detail::owned_socket(handle) {}
};

// A listening socket that accepts basic_streams.
template <class Protocol>
class basic_listener : public detail::owned_socket {
 public:
  // A Unix-domain listener removes its socket file when it goes (if it is still its own).
  basic_listener() noexcept = default;

  // Listens at `where` (port 0: one the OS picks; see local_endpoint()).
  // errc::already_exists when the address is in use. At a Unix-domain path,
  // only a stale socket file of this user's (nobody bound to it, left by a
  // crashed server) is replaced: anything else there is errc::already_exists
  // naming its file type, and is left alone. The socket file gets exactly
  // `perms` (owner-only by default, whatever the umask). An abstract name
  // (Linux) has no file and no permissions: anyone may connect (see
  // allow_only_uids).
  static basic_listener listen(const endpoint& where, const permissions& perms = permissions::owner_only());
  static basic_listener listen(const endpoint& where, std::error_code& ec,
                               const permissions& perms = permissions::owner_only());

  // The next connection, waiting until `until`. Connections refused by
  // allow_only_uids are closed and do not count: accept keeps waiting.
  [[nodiscard]] std::error_code accept(basic_stream<Protocol>& connection, deadline until = deadline::forever()) noexcept;

  // Unix-domain only: accept connections only from processes running as one
  // of `uids` (the kernel's SO_PEERCRED, not anything the peer says); an
  // empty list accepts everyone. A refused connection is closed at once and
  // `log` gets the reason, naming the peer's pid, uid and gid; without a
  // `log` the reason goes to stderr. Windows has no uid for a socket's peer:
  // there a non-empty list refuses every connection.
  void allow_only_uids(std::vector<std::uint32_t> uids, std::function<void(std::string_view)> log = {})
    requires(Protocol::local);

  endpoint local_endpoint() const;

 private:
  static basic_listener listen(const endpoint& where, const permissions& perms, detail::failure& why);
  bool allowed(native_handle_type connection) const noexcept;

  detail::socket_file file_;
  std::vector<std::uint32_t> allowed_uids_;
  std::function<void(std::string_view)> log_;
};

// A datagram socket: UDP or Unix-domain. Bound to an address to receive;
// connected to a peer, it is a message_channel (send / receive).
template <class Protocol>
class basic_datagram : public detail::owned_socket {
 public:
  // A socket bound to a Unix-domain path removes its file when it goes (if still its own).
  basic_datagram() noexcept = default;

  // A socket bound to `where` (UDP port 0: one the OS picks). A Unix-domain
  // path is taken and given `perms` as listen does.
  static basic_datagram bind(const endpoint& where, const permissions& perms = permissions::owner_only());
  static basic_datagram bind(const endpoint& where, std::error_code& ec,
                             const permissions& perms = permissions::owner_only());
  // An unbound socket of `where`'s family, connected to it (a Unix-domain one is bound to an autobind name first).
  static basic_datagram connect(const endpoint& where);
  static basic_datagram connect(const endpoint& where, std::error_code& ec);
  // Connects a bound socket to one peer: send/receive then use it.
  std::error_code connect_to(const endpoint& peer) noexcept;

  // One datagram. UDP: a datagram over 65507 bytes is errc::message_too_large;
  // a full Unix-domain receiver makes send wait.
  [[nodiscard]] std::error_code send(std::span<const std::byte> message, deadline until) noexcept;
  [[nodiscard]] std::error_code try_send(std::span<const std::byte> message) noexcept {
    return send(message, deadline::immediately());
  }
  // A buffer too small: errc::message_too_large with the size, and the datagram stays.
  [[nodiscard]] io_result receive(std::span<std::byte> buffer, deadline until) noexcept;
  [[nodiscard]] io_result try_receive(std::span<std::byte> buffer) noexcept {
    return receive(buffer, deadline::immediately());
  }

  [[nodiscard]] std::error_code send_to(std::span<const std::byte> message, const endpoint& to, deadline until) noexcept;
  [[nodiscard]] io_result receive_from(std::span<std::byte> buffer, endpoint& from, deadline until) noexcept;

  endpoint local_endpoint() const;

 private:
  friend struct detail::handle_passing;  // a socket received from another process
  explicit basic_datagram(native_handle_type handle) noexcept : detail::owned_socket(handle) {}
  static basic_datagram open(const endpoint& where, bool bind_it, const permissions& perms, detail::failure& why);

  detail::socket_file file_;
};

using tcp_stream = basic_stream<tcp>;
using tcp_listener = basic_listener<tcp>;
using udp_socket = basic_datagram<udp>;
using local_stream = basic_stream<local_stream_protocol>;
using local_listener = basic_listener<local_stream_protocol>;
using local_datagram = basic_datagram<local_datagram_protocol>;

static_assert(byte_stream<tcp_stream>);
static_assert(byte_stream<local_stream>);
static_assert(message_channel<udp_socket>);
static_assert(message_channel<local_datagram>);

// Connected streams and datagram sockets travel to other processes
// (xipc/handle_passing.hpp); listeners do not.
template <>
struct handle_traits<tcp_stream> : passable_as<handle_kind::tcp_stream> {};
template <>
struct handle_traits<udp_socket> : passable_as<handle_kind::udp_socket> {};
template <>
struct handle_traits<local_stream> : passable_as<handle_kind::local_stream> {};
template <>
struct handle_traits<local_datagram> : passable_as<handle_kind::local_datagram> {};

}  // namespace xipc
