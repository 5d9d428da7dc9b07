// TCP, UDP and Unix-domain sockets, written once over the BSD socket API
// (socket_api.hpp); what each OS does its own way is in src/<os>/sockets.cpp
// (socket_io.hpp). Data transfer goes through the calls every socket shares.
#include <xipc/sockets.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstring>

#include "core/setup_error.hpp"
#include "net/socket_io.hpp"

namespace xipc {
namespace {

using detail::os_socket;
using detail::owned_socket;
using detail::socket_address;

detail::socket_address to_os(const endpoint& where) noexcept {
  detail::socket_address out;
  switch (where.kind()) {
    case endpoint_kind::ipv4: {
      sockaddr_in address{};
      address.sin_family = AF_INET;
      address.sin_port = htons(where.port());
      std::memcpy(&address.sin_addr, where.address_bytes().data(), 4);
      std::memcpy(&out.storage, &address, sizeof address);
      out.length = sizeof address;
      break;
    }
    case endpoint_kind::ipv6: {
      sockaddr_in6 address{};
      address.sin6_family = AF_INET6;
      address.sin6_port = htons(where.port());
      address.sin6_scope_id = where.scope_id();
      std::memcpy(&address.sin6_addr, where.address_bytes().data(), 16);
      std::memcpy(&out.storage, &address, sizeof address);
      out.length = sizeof address;
      break;
    }
    case endpoint_kind::local_path:
    case endpoint_kind::local_abstract: {
      sockaddr_un address{};
      address.sun_family = AF_UNIX;
      const std::string& name = where.local_name();
      // The abstract namespace: a leading NUL, and the length says where the name ends.
      const std::size_t offset = where.kind() == endpoint_kind::local_abstract ? 1 : 0;
      std::memcpy(address.sun_path + offset, name.data(), name.size());
      std::memcpy(&out.storage, &address, sizeof address);
      out.length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + offset + name.size() + (offset == 0 ? 1 : 0));
      break;
    }
    case endpoint_kind::none: break;
  }
  return out;
}

endpoint from_os(const sockaddr_storage& storage, socklen_t length) {
  if (storage.ss_family == AF_INET) {
    sockaddr_in address{};
    std::memcpy(&address, &storage, sizeof address);
    std::array<std::uint8_t, 4> bytes{};
    std::memcpy(bytes.data(), &address.sin_addr, 4);
    return endpoint::ipv4(bytes, ntohs(address.sin_port));
  }
  if (storage.ss_family == AF_INET6) {
    sockaddr_in6 address{};
    std::memcpy(&address, &storage, sizeof address);
    std::array<std::uint8_t, 16> bytes{};
    std::memcpy(bytes.data(), &address.sin6_addr, 16);
    return endpoint::ipv6(bytes, ntohs(address.sin6_port), address.sin6_scope_id);
  }
  if (storage.ss_family == AF_UNIX) {
    sockaddr_un address{};
    std::memcpy(&address, &storage, sizeof address);
    const auto name_bytes = static_cast<std::size_t>(length) - offsetof(sockaddr_un, sun_path);
    if (length <= static_cast<socklen_t>(offsetof(sockaddr_un, sun_path)) || name_bytes == 0) return {};  // unnamed
    if (address.sun_path[0] == '\0') {
      if (name_bytes <= 1) return {};
      return endpoint::abstract(std::string_view(address.sun_path + 1, name_bytes - 1));
    }
    return endpoint::local(std::string_view(address.sun_path, ::strnlen(address.sun_path, name_bytes)));
  }
  return {};
}

int domain_of(const endpoint& where) noexcept {
  return where.kind() == endpoint_kind::ipv4 ? AF_INET : where.kind() == endpoint_kind::ipv6 ? AF_INET6 : AF_UNIX;
}

template <class Protocol>
constexpr int socket_type() noexcept {
  if constexpr (std::is_same_v<Protocol, tcp> || std::is_same_v<Protocol, local_stream_protocol>) {
    return SOCK_STREAM;
  } else {
    return SOCK_DGRAM;
  }
}

template <class Protocol>
bool check_endpoint(const endpoint& where, detail::failure& why) {
  const bool fits = Protocol::local ? where.is_local() : where.is_ip();
  if (!fits) {
    why = detail::refuse(errc::invalid_argument,
                         fmt::format("{} needs {} endpoint, not \"{}\"", Protocol::name,
                                     Protocol::local ? "a unix:/path or unix:@name" : "an IPv4 or IPv6",
                                     where.to_string()));
    return false;
  }
  if (where.kind() == endpoint_kind::local_abstract && !XIPC_HAS_ABSTRACT_SOCKETS) {
    why = detail::refuse(errc::not_supported,
                         fmt::format("\"{}\": abstract Unix-domain names (unix:@name) are Linux's; use a path "
                                     "(unix:/path) here",
                                     where.to_string()));
    return false;
  }
  return true;
}

// Listeners, and streams while they connect, are non-blocking; datagram
// sockets and connected streams are as socket_io.hpp says.
template <class Protocol>
native_handle_type new_socket(const endpoint& where, bool non_blocking, detail::failure& why) {
  if (!check_endpoint<Protocol>(where, why)) return invalid_native_handle;
  if (!detail::start_sockets()) {
    why = detail::refuse(errc::invalid_argument, "the OS's socket layer could not be started (WSAStartup)");
    return invalid_native_handle;
  }
  const os_socket socket = detail::open_socket(domain_of(where), socket_type<Protocol>(), non_blocking);
  if (socket == detail::invalid_os_socket) {
    const int error = detail::last_socket_error();
    why = detail::socket_failure(fmt::format("socket() for {}", where.to_string()), error);
    if (detail::socket_kind_unsupported(error)) {
      why.detail = fmt::format("this OS makes no {} sockets (error {})", Protocol::name, error);
    }
    return invalid_native_handle;
  }
  return detail::from_os_socket(socket);
}

endpoint socket_name(native_handle_type socket, bool peer) {
  socket_address address;
  const int rc = peer ? ::getpeername(detail::to_os_socket(socket), address.get(), &address.length)
                      : ::getsockname(detail::to_os_socket(socket), address.get(), &address.length);
  if (rc != 0) return {};
  return from_os(address.storage, address.length);
}

// One connect() attempt, repeated when a signal interrupts it: 0, or the OS's error code.
int connect_once(os_socket socket, const socket_address& address) noexcept {
  for (;;) {
    if (::connect(socket, address.get(), address.length) == 0) return 0;
    const int code = detail::last_socket_error();
    if (code == detail::already_connected) return 0;
    if (code != detail::socket_interrupted) return code;
  }
}

// Binds `socket` to `where`; a Unix-domain path that only a stale socket file
// of this user's holds is taken over (clear_stale_socket_file), and the file
// gets exactly `perms`. Returns the file's id for paths.
bool bind_to(native_handle_type socket, const endpoint& where, bool stream, const permissions& perms,
             std::uint64_t& file_id, detail::failure& why) {
  const socket_address address = to_os(where);
  const bool local_path = where.kind() == endpoint_kind::local_path;
  if (where.is_ip()) detail::prepare_ip_bind(detail::to_os_socket(socket), stream);
  if (local_path) detail::prepare_local_bind(detail::to_os_socket(socket), perms);
  for (int attempt = 0;; ++attempt) {
    if (::bind(detail::to_os_socket(socket), address.get(), address.length) == 0) break;
    const int error = detail::last_socket_error();
    if (error != detail::address_in_use || attempt > 2 || !local_path) {
      why = detail::socket_failure(fmt::format("bind(\"{}\")", where.to_string()), error);
      if (error == detail::address_in_use) why.code = make_error_code(errc::already_exists);
      return false;
    }
    if (!detail::clear_stale_socket_file(where.local_name(), stream ? SOCK_STREAM : SOCK_DGRAM, why)) return false;
  }
  if (local_path) {
    file_id = detail::socket_file_id(where.local_name());
    if (!detail::set_socket_file_mode(where.local_name(), perms, why)) {
      detail::remove_socket_file(where.local_name());
      return false;
    }
  }
  return true;
}

template <class Protocol>
native_handle_type connect_stream(const endpoint& where, deadline until, detail::failure& why) {
  detail::owned_socket socket(new_socket<Protocol>(where, true, why));
  if (!socket.is_open()) return invalid_native_handle;
  const os_socket os = detail::to_os_socket(socket.native_handle());
  if constexpr (!Protocol::local) detail::set_socket_option(os, IPPROTO_TCP, TCP_NODELAY, 1);
  const socket_address address = to_os(where);
  int error = connect_once(os, address);
  // Under way (TCP), or a full backlog (a POSIX Unix-domain server): wait for the answer.
  while (error == detail::connect_in_progress || error == detail::connect_backlog_full) {
    if (const std::error_code waited = detail::wait_socket(socket.native_handle(), true, until)) {
      why = detail::refuse(waited == errc::would_block ? errc::would_block : errc::timed_out,
                           fmt::format("{} did not accept in time", where.to_string()));
      return invalid_native_handle;
    }
    if (error == detail::connect_in_progress) {
      socklen_t length = sizeof error;
      ::getsockopt(os, SOL_SOCKET, SO_ERROR, reinterpret_cast<char*>(&error), &length);
    } else {
      error = connect_once(os, address);
    }
  }
  if (error != 0) {
    if (detail::connection_refused(error)) {
      why = detail::refuse(errc::not_found, fmt::format("nobody listens at {} (connection refused)", where.to_string()));
    } else {
      why = detail::socket_failure(fmt::format("connect(\"{}\")", where.to_string()), error);
    }
    return invalid_native_handle;
  }
  if (const std::error_code mode = detail::set_connected_mode(socket.native_handle())) {
    why = detail::failure{mode, fmt::format("connect(\"{}\")", where.to_string()), mode.message()};
    return invalid_native_handle;
  }
  return socket.release();
}

}  // namespace

namespace detail {

bool socket_file_answers(const std::string& path, int type) noexcept {
  try {
    const owned_socket probe(from_os_socket(open_socket(AF_UNIX, type, true)));
    if (!probe.is_open()) return true;  // cannot tell: leave the file alone
    return !connection_refused(connect_once(to_os_socket(probe.native_handle()), to_os(endpoint::local(path))));
  } catch (...) {
    return true;
  }
}

socket_file& socket_file::operator=(socket_file&& other) noexcept {
  if (this != &other) {
    remove();
    where_ = std::move(other.where_);
    file_id_ = std::exchange(other.file_id_, 0);
  }
  return *this;
}

void socket_file::remove() noexcept {
  if (file_id_ != 0 && socket_file_id(where_.local_name()) == file_id_) remove_socket_file(where_.local_name());
  file_id_ = 0;
}

}  // namespace detail

// ---- streams -------------------------------------------------------------------------

template <class Protocol>
basic_stream<Protocol> basic_stream<Protocol>::connect(const endpoint& where, deadline until) {
  return detail::report_or_throw(Protocol::name, where.to_string(), [&](auto& why) {
    return basic_stream(connect_stream<Protocol>(where, until, why));
  });
}

template <class Protocol>
basic_stream<Protocol> basic_stream<Protocol>::connect(const endpoint& where, deadline until, std::error_code& ec) {
  return detail::report_to(ec, [&](auto& why) { return basic_stream(connect_stream<Protocol>(where, until, why)); });
}

template <class Protocol>
io_result basic_stream<Protocol>::read_some(std::span<std::byte> buffer, deadline until) noexcept {
  return detail::socket_read_some(native_handle(), buffer, until);
}

template <class Protocol>
io_result basic_stream<Protocol>::write_some(std::span<const std::byte> data, deadline until) noexcept {
  return detail::socket_write_some(native_handle(), data, until);
}

template <class Protocol>
std::error_code basic_stream<Protocol>::shutdown_write() noexcept {
  if (::shutdown(detail::to_os_socket(native_handle()), detail::shutdown_write_side) == 0) return {};
  return detail::socket_error_code(detail::last_socket_error());
}

template <class Protocol>
endpoint basic_stream<Protocol>::local_endpoint() const {
  return socket_name(native_handle(), false);
}

template <class Protocol>
endpoint basic_stream<Protocol>::peer_endpoint() const {
  return socket_name(native_handle(), true);
}

template <class Protocol>
std::error_code basic_stream<Protocol>::set_no_delay(bool on) noexcept
  requires(!Protocol::local)
{
  if (detail::set_socket_option(detail::to_os_socket(native_handle()), IPPROTO_TCP, TCP_NODELAY, on ? 1 : 0)) return {};
  return detail::socket_error_code(detail::last_socket_error());
}

template <class Protocol>
peer_credentials basic_stream<Protocol>::credentials() const
  requires(Protocol::local)
{
  peer_credentials who;
  if (detail::peer_credentials_of(native_handle(), who)) return {};
  return who;
}

// ---- listeners -----------------------------------------------------------------------

template <class Protocol>
basic_listener<Protocol> basic_listener<Protocol>::listen(const endpoint& where, const permissions& perms,
                                                         detail::failure& why) {
  basic_listener listener;
  static_cast<owned_socket&>(listener) = owned_socket(new_socket<Protocol>(where, true, why));
  if (!listener.is_open()) return {};
  std::uint64_t file_id = 0;
  if (!bind_to(listener.native_handle(), where, true, perms, file_id, why)) return {};
  listener.file_ = detail::socket_file(where, file_id);
  if (::listen(detail::to_os_socket(listener.native_handle()), SOMAXCONN) != 0) {
    why = detail::socket_failure(fmt::format("listen(\"{}\")", where.to_string()), detail::last_socket_error());
    return {};
  }
  return listener;
}

template <class Protocol>
basic_listener<Protocol> basic_listener<Protocol>::listen(const endpoint& where, const permissions& perms) {
  return detail::report_or_throw(Protocol::name, where.to_string(),
                                 [&](auto& why) { return listen(where, perms, why); });
}

template <class Protocol>
basic_listener<Protocol> basic_listener<Protocol>::listen(const endpoint& where, std::error_code& ec,
                                                         const permissions& perms) {
  return detail::report_to(ec, [&](auto& why) { return listen(where, perms, why); });
}

template <class Protocol>
std::error_code basic_listener<Protocol>::accept(basic_stream<Protocol>& connection, deadline until) noexcept {
  std::error_code error;
  native_handle_type socket = invalid_native_handle;
  do {
    socket = detail::socket_accept(native_handle(), until, error);
    if (error) return error;
  } while (!allowed(socket));
  if constexpr (!Protocol::local) detail::set_socket_option(detail::to_os_socket(socket), IPPROTO_TCP, TCP_NODELAY, 1);
  connection = basic_stream<Protocol>(socket);
  return {};
}

template <class Protocol>
void basic_listener<Protocol>::allow_only_uids(std::vector<std::uint32_t> uids,
                                               std::function<void(std::string_view)> log)
  requires(Protocol::local)
{
  allowed_uids_ = std::move(uids);
  log_ = std::move(log);
}

template <class Protocol>
bool basic_listener<Protocol>::allowed(native_handle_type connection) const noexcept {
  if (allowed_uids_.empty()) return true;
  peer_credentials peer;
  const std::error_code unknown = detail::peer_credentials_of(connection, peer);
  const bool known = !unknown && detail::socket_peer_has_uid;
  if (known && std::find(allowed_uids_.begin(), allowed_uids_.end(), peer.uid) != allowed_uids_.end()) return true;
  detail::close_native_socket(connection);
  try {
    const std::string reason =
        known ? fmt::format("xipc: {} at {} refused a connection from pid {} uid {} gid {}: uid not in {{{}}}",
                            Protocol::name, local_endpoint().to_string(), peer.pid, peer.uid, peer.gid,
                            fmt::join(allowed_uids_, ", "))
              : fmt::format("xipc: {} at {} refused a connection: {}", Protocol::name, local_endpoint().to_string(),
                            unknown ? fmt::format("the peer's credentials are unknown ({})", unknown.message())
                                    : std::string("this OS reports no uid for a socket's peer"));
    if (log_) {
      log_(reason);
    } else {
      fmt::print(stderr, "{}\n", reason);
    }
  } catch (...) {
    // The log is best effort; the connection is refused all the same.
  }
  return false;
}

template <class Protocol>
endpoint basic_listener<Protocol>::local_endpoint() const {
  return socket_name(native_handle(), false);
}

// ---- datagrams -----------------------------------------------------------------------

template <class Protocol>
basic_datagram<Protocol> basic_datagram<Protocol>::open(const endpoint& where, bool bind_it, const permissions& perms,
                                                        detail::failure& why) {
  basic_datagram socket;
  static_cast<owned_socket&>(socket) = owned_socket(new_socket<Protocol>(where, false, why));
  if (!socket.is_open()) return {};
  if (bind_it) {
    std::uint64_t file_id = 0;
    if (!bind_to(socket.native_handle(), where, false, perms, file_id, why)) return {};
    socket.file_ = detail::socket_file(where, file_id);
    return socket;
  }
  if constexpr (Protocol::local && !XIPC_OS_WINDOWS) {
    // An unbound Unix-domain datagram socket cannot be answered: give it an
    // autobind name in the abstract namespace (Linux), as the kernel does for
    // an empty address. Windows has no autobind: such a sender cannot be answered.
    socket_address family;
    family.storage.ss_family = AF_UNIX;
    if (::bind(detail::to_os_socket(socket.native_handle()), family.get(), sizeof family.storage.ss_family) != 0) {
      why = detail::socket_failure("bind(autobind)", detail::last_socket_error());
      return {};
    }
  }
  if (const std::error_code error = socket.connect_to(where)) {
    why = error == errc::not_found ? detail::refuse(errc::not_found, fmt::format("nobody is bound at {}", where.to_string()))
                                   : detail::failure{error, fmt::format("connect(\"{}\")", where.to_string()), error.message()};
    return {};
  }
  return socket;
}

template <class Protocol>
basic_datagram<Protocol> basic_datagram<Protocol>::bind(const endpoint& where, const permissions& perms) {
  return detail::report_or_throw(Protocol::name, where.to_string(),
                                 [&](auto& why) { return open(where, true, perms, why); });
}
template <class Protocol>
basic_datagram<Protocol> basic_datagram<Protocol>::bind(const endpoint& where, std::error_code& ec,
                                                        const permissions& perms) {
  return detail::report_to(ec, [&](auto& why) { return open(where, true, perms, why); });
}
template <class Protocol>
basic_datagram<Protocol> basic_datagram<Protocol>::connect(const endpoint& where) {
  return detail::report_or_throw(Protocol::name, where.to_string(),
                                 [&](auto& why) { return open(where, false, {}, why); });
}
template <class Protocol>
basic_datagram<Protocol> basic_datagram<Protocol>::connect(const endpoint& where, std::error_code& ec) {
  return detail::report_to(ec, [&](auto& why) { return open(where, false, {}, why); });
}

template <class Protocol>
std::error_code basic_datagram<Protocol>::connect_to(const endpoint& peer) noexcept {
  if (Protocol::local ? !peer.is_local() : !peer.is_ip()) return make_error_code(errc::invalid_argument);
  const int error = connect_once(detail::to_os_socket(native_handle()), to_os(peer));
  if (error == 0) return {};
  if (detail::connection_refused(error)) return make_error_code(errc::not_found);
  return detail::socket_error_code(error);
}

// The largest UDP payload over IPv4 (65535 - 20 - 8).
constexpr std::size_t udp_max_payload = 65507;

template <class Protocol>
std::error_code basic_datagram<Protocol>::send(std::span<const std::byte> message, deadline until) noexcept {
  if (!Protocol::local && message.size() > udp_max_payload) return make_error_code(errc::message_too_large);
  return detail::socket_send_message(native_handle(), message, until);
}

template <class Protocol>
io_result basic_datagram<Protocol>::receive(std::span<std::byte> buffer, deadline until) noexcept {
  return detail::socket_receive_datagram(native_handle(), buffer, until);
}

template <class Protocol>
std::error_code basic_datagram<Protocol>::send_to(std::span<const std::byte> message, const endpoint& to,
                                                  deadline until) noexcept {
  if (Protocol::local ? !to.is_local() : !to.is_ip()) return make_error_code(errc::invalid_argument);
  if (!Protocol::local && message.size() > udp_max_payload) return make_error_code(errc::message_too_large);
  const socket_address address = to_os(to);
  return detail::socket_send_message(native_handle(), message, until, &address);
}

template <class Protocol>
io_result basic_datagram<Protocol>::receive_from(std::span<std::byte> buffer, endpoint& from, deadline until) noexcept {
  socket_address sender;
  const io_result got = detail::socket_receive_datagram(native_handle(), buffer, until, &sender);
  if (!got.error) {
    try {
      from = from_os(sender.storage, sender.length);
    } catch (...) {
      from = {};
    }
  }
  return got;
}

template <class Protocol>
endpoint basic_datagram<Protocol>::local_endpoint() const {
  return socket_name(native_handle(), false);
}

template class basic_stream<tcp>;
template class basic_stream<local_stream_protocol>;
template class basic_listener<tcp>;
template class basic_listener<local_stream_protocol>;
template class basic_datagram<udp>;
template class basic_datagram<local_datagram_protocol>;

}  // namespace xipc
