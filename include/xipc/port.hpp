// Ports: the message model of Mach ports and Windows ALPC. A server creates a
// named connection port; each client connects and gets a private pair of
// communication ports, one end each. Small messages are copied through the
// kernel channel; larger ones are written into a section that both ends of
// the connection map, and only their place in it travels. A message may be a
// call, which the peer answers with reply(): calls are matched to replies by
// id, so many threads may call at once on one port.
//
//   auto server = xipc::port_server::create("dates");
//   xipc::port connection;
//   if (!server.accept(connection, 5s)) {
//     std::array<std::byte, 256> request;
//     auto got = connection.receive(request, 5s);           // got.call_id != 0: a call
//     (void)connection.reply(got.call_id, std::as_bytes(std::span(std::string_view("today"))));
//   }
//
//   auto client = xipc::port::connect("dates", 5s);
//   std::array<std::byte, 256> reply;
//   auto answer = client.call(std::as_bytes(std::span(std::string_view("date?"))), reply, 5s);
//
// Linux: a seqpacket Unix-domain socket per connection and a sealed memfd
// section. Windows: a message-mode named pipe and a section object. This is
// the model of ALPC, not its (undocumented) NtAlpc API. See docs/ports.md.
//
// Thread safety: a port may be used by any number of threads at once (send,
// receive, call and reply all lock what they share); moving it must not race
// with use. A port_server's accept is for one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <xipc/concepts.hpp>
#include <xipc/deadline.hpp>
#include <xipc/error.hpp>
#include <xipc/handle_passing.hpp>
#include <xipc/native_handle.hpp>
#include <xipc/sockets.hpp>

namespace xipc {
namespace detail {
struct failure;
struct port_connection;
}

// What a server offers each connection; the client learns it when it connects.
struct port_options {
  // Messages of up to this many bytes are copied through the kernel channel
  // (ALPC's limit is about 256 B); larger ones go through the section.
  // At most 64 KiB.
  std::size_t inline_limit = 256;
  // The section's size in each direction: the most bytes of large messages
  // in flight one way, and the largest message a port carries. 0: no
  // section, and nothing above inline_limit can be sent.
  std::size_t section_bytes = 4 * 1024 * 1024;
};

// What receive tells besides the size: whether the message is a call, and
// the id to reply() to.
struct port_message : io_result {
  std::uint64_t call_id = 0;  // 0: a plain message; otherwise a call waiting for reply(call_id, ...)
};

class port;

// A connection to a port's server that no process has opened yet: what a
// port hands to another process, as a Mach send right is handed on. Made by
// port::make_right, carried in a handle_list (by a port, a named_pipe or a
// local socket) and opened by port::connect(std::move(right)). Dropping it
// unopened is a client that left: the server's end says errc::peer_closed.
// Thread safety: one thread at a time.
class port_right : public detail::owned_handle {
 public:
  port_right() noexcept = default;
  // Takes ownership of a channel end made by make_right (a socket on POSIX).
  explicit port_right(native_handle_type channel) noexcept : detail::owned_handle(channel) {}
};

template <>
struct handle_traits<port_right> : passable_as<handle_kind::port_right> {};

// A message received in place: its bytes stay where they arrived (the
// section, for a large one) until release() or destruction, which frees
// their room for the peer. The bytes are in memory the peer can still write:
// copy what you must check before you trust it.
// Thread safety: one thread at a time; releasing may race with use of the port.
class port_received {
 public:
  port_received() noexcept = default;
  port_received(port_received&& other) noexcept;
  port_received& operator=(port_received&& other) noexcept;
  port_received(const port_received&) = delete;
  port_received& operator=(const port_received&) = delete;
  ~port_received() { release(); }

  std::span<const std::byte> bytes() const noexcept { return bytes_; }
  std::uint64_t call_id() const noexcept { return call_id_; }
  // The objects the message carried (send with a handle_list); take each as its type.
  received_handles& handles() noexcept { return handles_; }
  bool empty() const noexcept { return bytes_.empty(); }
  // Gives the room back; bytes() is empty afterwards. Handles not taken stay
  // until destruction.
  void release() noexcept;

 private:
  friend class port;
  std::shared_ptr<detail::port_connection> owner_;
  std::vector<std::byte> copy_;  // a message that came inline
  received_handles handles_;
  std::span<const std::byte> bytes_;
  std::uint64_t call_id_ = 0;
  std::uint64_t section_end_ = 0;  // a message in the section: where it ends, to release it
  bool in_section_ = false;
};

// One end of a connection: the client's, from connect, or the server's, from accept.
class port {
 public:
  port() noexcept = default;
  port(port&&) noexcept = default;
  // Closes the connection this port held, as the destructor does.
  port& operator=(port&& other) noexcept;
  // Closes the connection: the peer's waiting calls and receives end with
  // errc::peer_closed.
  ~port();

  // Connects to the server of `name`: errc::not_found when no server
  // listens; errc::permission_denied when the server refused this process.
  static port connect(std::string_view name, deadline until = deadline::forever());
  static port connect(std::string_view name, deadline until, std::error_code& ec);

  // Opens a right that another process made (port::make_right) and passed
  // here: a connection to that port's server, which accepts it like any
  // client. errc::corrupted when the right is not what make_right makes.
  static port connect(port_right right, deadline until = deadline::forever());
  static port connect(port_right right, deadline until, std::error_code& ec);

  bool is_open() const noexcept { return connection_ != nullptr; }

  // A new connection to this port's server, not yet opened, for another
  // process: pass `right` in a handle_list, and the receiver opens it with
  // connect(std::move(right)). The server gets it from accept(), as a client
  // admitted by this one (its allow-list is not asked again; peer() there
  // names this process, which made the connection). The right works at once:
  // messages and calls sent through it wait for the server. Only a client's
  // end makes rights (errc::not_supported for an end from accept: a right
  // leads to a server). Windows: errc::not_supported (docs/ports.md says why).
  [[nodiscard]] std::error_code make_right(port_right& right, deadline until = deadline::forever()) noexcept;

  // message_channel. A message of any size up to max_message_bytes(),
  // 0 bytes included; larger is errc::message_too_large, nothing sent. A
  // large message waits (until the deadline) for room in the section.
  [[nodiscard]] std::error_code send(std::span<const std::byte> message, deadline until) noexcept;
  [[nodiscard]] std::error_code try_send(std::span<const std::byte> message) noexcept {
    return send(message, deadline::immediately());
  }
  // The same, carrying open objects (at most max_passed_handles): memory,
  // pipe ends, sockets. The receiver gets its own handles to them, as with
  // send_handles (xipc/handle_passing.hpp); the objects stay the sender's.
  [[nodiscard]] std::error_code send(std::span<const std::byte> message, const handle_list& handles,
                                     deadline until) noexcept;
  // The next message or call (replies go to their calls, never here). A
  // buffer too small is errc::message_too_large with the size needed, and the
  // message stays. errc::peer_closed once the peer is gone and everything it
  // sent was received: this is how a server learns a client went away.
  [[nodiscard]] port_message receive(std::span<std::byte> buffer, deadline until) noexcept;
  [[nodiscard]] port_message try_receive(std::span<std::byte> buffer) noexcept {
    return receive(buffer, deadline::immediately());
  }
  // The same, with the handles the message carried put in `handles`
  // (replacing what was there; none for a message without). The plain
  // receive closes a message's handles.
  [[nodiscard]] port_message receive(std::span<std::byte> buffer, received_handles& handles, deadline until) noexcept;
  // The same, in place: a large message is not copied out of the section,
  // and its handles come with it.
  [[nodiscard]] std::error_code receive(port_received& message, deadline until) noexcept;

  // Sends `request` as a call and waits for its reply, copied into `reply`.
  // errc::timed_out when the deadline passes first (a reply that comes later
  // is discarded); errc::peer_closed as soon as the peer is gone;
  // errc::message_too_large when the reply does not fit (bytes says how
  // large it was; it is dropped, since the call is over).
  [[nodiscard]] io_result call(std::span<const std::byte> request, std::span<std::byte> reply,
                               deadline until) noexcept;
  // Answers the call `call_id` received from this port. errc::invalid_argument
  // for an id that is not a call still unanswered.
  [[nodiscard]] std::error_code reply(std::uint64_t call_id, std::span<const std::byte> message,
                                      deadline until = deadline::forever()) noexcept;

  // Once a check of what the peer sent failed (errc::corrupted from then
  // on), what was wrong: "bad frame magic 0xdeadbeef", say. Empty otherwise.
  std::string broken_reason() const;

  // Who is at the other end, as the OS saw it when the connection was made.
  peer_credentials peer() const noexcept;
  // What the server set for this connection.
  std::size_t inline_limit() const noexcept;
  std::size_t section_bytes() const noexcept;
  // The largest message: the section's size, or inline_limit without one.
  std::size_t max_message_bytes() const noexcept;
  // The kernel channel (a socket on POSIX, a pipe handle on Windows), for
  // polling; reading it directly breaks the port.
  native_handle_type native_handle() const noexcept;

 private:
  friend class port_server;
  explicit port(std::shared_ptr<detail::port_connection> connection) noexcept : connection_(std::move(connection)) {}
  static port connect(std::string_view name, deadline until, detail::failure& why);
  static port connect(port_right& right, deadline until, detail::failure& why);
  port_message receive(std::span<std::byte> buffer, received_handles* handles, deadline until) noexcept;

  std::shared_ptr<detail::port_connection> connection_;
};

static_assert(message_channel<port>);

// A named connection port that accepts clients.
class port_server {
 public:
  port_server() noexcept;
  port_server(port_server&&) noexcept;
  port_server& operator=(port_server&&) noexcept;
  // Removes the name, unless another server has taken it over since.
  ~port_server();

  // Starts serving `name`. A name left by a server that died is taken over;
  // a live one is errc::already_exists. Only this user may connect (the
  // rendezvous is owner-only); allow_only_uids narrows that further where the
  // OS lets more in.
  static port_server create(std::string_view name, const port_options& options = {});
  static port_server create(std::string_view name, const port_options& options, std::error_code& ec);

  // The next client, connected: errc::timed_out (errc::would_block when
  // immediate) when none came. Clients refused by allow_only_uids, or that
  // fail the handshake, are closed and do not count. Connections made
  // through a right (port::make_right) come here too, once the connection
  // the right was made on has been read (by a receive or a call on it).
  [[nodiscard]] std::error_code accept(port& connection, deadline until = deadline::forever()) noexcept;

  // Accept only processes running as one of `uids` (the kernel's view of the
  // peer, not what it says); empty accepts everyone. A refused client is
  // told so (its connect is errc::permission_denied) and `log` gets the
  // reason, naming its pid and uid; without a `log` it goes to stderr.
  // Windows reports no uid for a pipe's client: a non-empty list refuses all.
  void allow_only_uids(std::vector<std::uint32_t> uids, std::function<void(std::string_view)> log = {});

  const std::string& name() const noexcept;
  const port_options& options() const noexcept;
  // The listener, readable when a client connects by name (a connection
  // made through a right does not show there: accept() sees both).
  native_handle_type native_handle() const noexcept;

 private:
  struct state;
  static port_server create(std::string_view name, const port_options& options, detail::failure& why);
  std::unique_ptr<state> state_;
};

}  // namespace xipc
