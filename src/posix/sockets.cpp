// TCP, UDP and Unix-domain sockets on BSD sockets. Data transfer goes through
// the calls named pipes use (local_socket.hpp, stream_io.hpp): one
// implementation for every socket type.
#include <xipc/sockets.hpp>

#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "local_socket.hpp"
#include "posix/os_error.hpp"
#include "setup_error.hpp"
#include "stream_io.hpp"

namespace xipc {
namespace {

// A socket address and its length, from an endpoint.
struct os_address {
  sockaddr_storage storage{};
  socklen_t length = 0;
  const sockaddr* get() const noexcept { return reinterpret_cast<const sockaddr*>(&storage); }
};

os_address to_os(const endpoint& where) noexcept {
  os_address out;
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
  }
  return fits;
}

// Listeners, and streams while they connect, are non-blocking; datagram sockets
// and connected streams are blocking (see local_socket.hpp).
template <class Protocol>
int new_socket(const endpoint& where, bool non_blocking, detail::failure& why) {
  if (!check_endpoint<Protocol>(where, why)) return -1;
  const int fd = ::socket(domain_of(where), socket_type<Protocol>() | SOCK_CLOEXEC | (non_blocking ? SOCK_NONBLOCK : 0), 0);
  if (fd < 0) why = detail::os_failure(fmt::format("socket() for {}", where.to_string()), errno);
  return fd;
}

endpoint socket_name(int fd, bool peer) {
  sockaddr_storage storage{};
  socklen_t length = sizeof storage;
  const int rc = peer ? ::getpeername(fd, reinterpret_cast<sockaddr*>(&storage), &length)
                      : ::getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &length);
  if (rc != 0) return {};
  return from_os(storage, length);
}

// Binds `fd` to `where`; a Unix-domain path nobody accepts or receives on
// (left by a crashed process) is replaced. Returns the file's id for paths.
bool bind_to(int fd, const endpoint& where, bool stream, std::uint64_t& file_id, detail::failure& why) {
  const os_address address = to_os(where);
  if (where.is_ip()) {
    const int on = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  }
  for (int attempt = 0;; ++attempt) {
    if (::bind(fd, address.get(), address.length) == 0) break;
    const int error = errno;
    if (error != EADDRINUSE || attempt > 0 || where.kind() != endpoint_kind::local_path) {
      why = detail::os_failure(fmt::format("bind(\"{}\")", where.to_string()), error);
      if (error == EADDRINUSE) why.code = make_error_code(errc::already_exists);
      return false;
    }
    // A stale socket file answers connect with ECONNREFUSED.
    const int probe = ::socket(AF_UNIX, (stream ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    const bool stale = probe >= 0 && ::connect(probe, address.get(), address.length) != 0 && errno == ECONNREFUSED;
    if (probe >= 0) ::close(probe);
    if (!stale) {
      why = detail::refuse(errc::already_exists, fmt::format("{} is in use", where.to_string()));
      return false;
    }
    ::unlink(where.local_name().c_str());
  }
  if (where.kind() == endpoint_kind::local_path) file_id = detail::socket_file_id(where.local_name());
  return true;
}

template <class Protocol>
native_handle_type connect_stream(const endpoint& where, deadline until, detail::failure& why) {
  const int fd = new_socket<Protocol>(where, true, why);
  if (fd < 0) return invalid_native_handle;
  if constexpr (!Protocol::local) {
    const int on = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  }
  const os_address address = to_os(where);
  int rc = detail::retry_on_eintr([&] { return ::connect(fd, address.get(), address.length); });
  int error = rc == 0 ? 0 : errno;
  // In progress (TCP: EINPROGRESS; Unix-domain with a full backlog: EAGAIN): wait for the answer.
  while (error == EINPROGRESS || error == EAGAIN) {
    if (const std::error_code waited = detail::wait_writable(fd, until)) {
      ::close(fd);
      why = detail::refuse(waited == errc::would_block ? errc::would_block : errc::timed_out,
                           fmt::format("{} did not accept in time", where.to_string()));
      return invalid_native_handle;
    }
    if (error == EAGAIN) {
      rc = ::connect(fd, address.get(), address.length);
      error = rc == 0 || errno == EISCONN ? 0 : errno;
    } else {
      socklen_t length = sizeof error;
      ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
    }
  }
  if (error == 0) error = detail::make_blocking(fd).value();
  if (error != 0) {
    ::close(fd);
    if (error == ECONNREFUSED || error == ENOENT) {
      why = detail::refuse(errc::not_found, fmt::format("nobody listens at {} (connection refused)", where.to_string()));
    } else {
      why = detail::os_failure(fmt::format("connect(\"{}\")", where.to_string()), error);
    }
    return invalid_native_handle;
  }
  return fd;
}

}  // namespace

namespace detail {

socket_file& socket_file::operator=(socket_file&& other) noexcept {
  if (this != &other) {
    remove();
    where_ = std::move(other.where_);
    file_id_ = std::exchange(other.file_id_, 0);
  }
  return *this;
}

void socket_file::remove() noexcept {
  if (file_id_ != 0 && socket_file_id(where_.local_name()) == file_id_) ::unlink(where_.local_name().c_str());
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
  if (::shutdown(native_handle(), SHUT_WR) == 0) return {};
  return detail::error_from_errno(errno);
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
  const int value = on ? 1 : 0;
  if (::setsockopt(native_handle(), IPPROTO_TCP, TCP_NODELAY, &value, sizeof value) == 0) return {};
  return detail::error_from_errno(errno);
}

template <class Protocol>
peer_credentials basic_stream<Protocol>::credentials() const
  requires(Protocol::local)
{
  ucred credentials{};
  socklen_t length = sizeof credentials;
  if (::getsockopt(native_handle(), SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0) return {};
  return {credentials.pid, credentials.uid, credentials.gid};
}

// ---- listeners -----------------------------------------------------------------------

template <class Protocol>
basic_listener<Protocol> basic_listener<Protocol>::listen(const endpoint& where, detail::failure& why) {
  basic_listener listener;
  const int fd = new_socket<Protocol>(where, true, why);
  if (fd < 0) return {};
  static_cast<owned_handle&>(listener) = owned_handle(fd);
  std::uint64_t file_id = 0;
  if (!bind_to(fd, where, true, file_id, why)) return {};
  listener.file_ = detail::socket_file(where, file_id);
  if (::listen(fd, SOMAXCONN) != 0) {
    why = detail::os_failure(fmt::format("listen(\"{}\")", where.to_string()), errno);
    return {};
  }
  return listener;
}

template <class Protocol>
basic_listener<Protocol> basic_listener<Protocol>::listen(const endpoint& where) {
  return detail::report_or_throw(Protocol::name, where.to_string(), [&](auto& why) { return listen(where, why); });
}

template <class Protocol>
basic_listener<Protocol> basic_listener<Protocol>::listen(const endpoint& where, std::error_code& ec) {
  return detail::report_to(ec, [&](auto& why) { return listen(where, why); });
}

template <class Protocol>
std::error_code basic_listener<Protocol>::accept(basic_stream<Protocol>& connection, deadline until) noexcept {
  std::error_code error;
  native_handle_type socket = invalid_native_handle;
  do {
    socket = detail::socket_accept(native_handle(), until, error);
    if (error) return error;
  } while (!allowed(socket));
  if constexpr (!Protocol::local) {
    const int on = 1;
    ::setsockopt(socket, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  }
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
  ucred peer{};
  socklen_t length = sizeof peer;
  const bool known = ::getsockopt(connection, SOL_SOCKET, SO_PEERCRED, &peer, &length) == 0;
  const int why_unknown = errno;
  if (known && std::find(allowed_uids_.begin(), allowed_uids_.end(), peer.uid) != allowed_uids_.end()) return true;
  ::close(connection);
  try {
    const std::string reason =
        known ? fmt::format("xipc: {} at {} refused a connection from pid {} uid {} gid {}: uid not in {{{}}}",
                            Protocol::name, local_endpoint().to_string(), peer.pid, peer.uid, peer.gid,
                            fmt::join(allowed_uids_, ", "))
              : fmt::format("xipc: {} at {} refused a connection: SO_PEERCRED failed ({})", Protocol::name,
                            local_endpoint().to_string(), std::strerror(why_unknown));
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
basic_datagram<Protocol> basic_datagram<Protocol>::open(const endpoint& where, bool bind_it, detail::failure& why) {
  basic_datagram socket;
  const int fd = new_socket<Protocol>(where, false, why);
  if (fd < 0) return {};
  static_cast<owned_handle&>(socket) = owned_handle(fd);
  if (bind_it) {
    std::uint64_t file_id = 0;
    if (!bind_to(fd, where, false, file_id, why)) return {};
    socket.file_ = detail::socket_file(where, file_id);
    return socket;
  }
  if constexpr (Protocol::local) {
    // An unbound Unix-domain datagram socket cannot be answered: give it an
    // autobind name in the abstract namespace (Linux), as the kernel does for
    // an empty address.
    const sa_family_t family = AF_UNIX;
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&family), sizeof family) != 0) {
      why = detail::os_failure("bind(autobind)", errno);
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
basic_datagram<Protocol> basic_datagram<Protocol>::bind(const endpoint& where) {
  return detail::report_or_throw(Protocol::name, where.to_string(), [&](auto& why) { return open(where, true, why); });
}
template <class Protocol>
basic_datagram<Protocol> basic_datagram<Protocol>::bind(const endpoint& where, std::error_code& ec) {
  return detail::report_to(ec, [&](auto& why) { return open(where, true, why); });
}
template <class Protocol>
basic_datagram<Protocol> basic_datagram<Protocol>::connect(const endpoint& where) {
  return detail::report_or_throw(Protocol::name, where.to_string(), [&](auto& why) { return open(where, false, why); });
}
template <class Protocol>
basic_datagram<Protocol> basic_datagram<Protocol>::connect(const endpoint& where, std::error_code& ec) {
  return detail::report_to(ec, [&](auto& why) { return open(where, false, why); });
}

template <class Protocol>
std::error_code basic_datagram<Protocol>::connect_to(const endpoint& peer) noexcept {
  if (Protocol::local ? !peer.is_local() : !peer.is_ip()) return make_error_code(errc::invalid_argument);
  const os_address address = to_os(peer);
  if (::connect(native_handle(), address.get(), address.length) == 0) return {};
  if (errno == ECONNREFUSED || errno == ENOENT) return make_error_code(errc::not_found);
  return detail::error_from_errno(errno);
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
  // Always peek the size: a datagram's sender sets no maximum we could rely on.
  return detail::socket_receive_message(native_handle(), buffer, SIZE_MAX, until);
}

template <class Protocol>
std::error_code basic_datagram<Protocol>::send_to(std::span<const std::byte> message, const endpoint& to,
                                                  deadline until) noexcept {
  if (Protocol::local ? !to.is_local() : !to.is_ip()) return make_error_code(errc::invalid_argument);
  if (!Protocol::local && message.size() > udp_max_payload) return make_error_code(errc::message_too_large);
  const os_address address = to_os(to);
  for (;;) {
    if (::sendto(native_handle(), message.data(), message.size(), MSG_NOSIGNAL | detail::socket_attempt_flags(until),
                 address.get(), address.length) >= 0) {
      return {};
    }
    if (errno == EINTR) continue;
    if (errno == ECONNREFUSED || errno == ENOENT) return make_error_code(errc::not_found);
    if (errno != EAGAIN) return detail::error_from_errno(errno);
    if (const std::error_code ec = detail::wait_writable(native_handle(), until)) return ec;
  }
}

template <class Protocol>
io_result basic_datagram<Protocol>::receive_from(std::span<std::byte> buffer, endpoint& from, deadline until) noexcept {
  for (;;) {
    sockaddr_storage storage{};
    socklen_t length = sizeof storage;
    const ssize_t size = ::recvfrom(native_handle(), buffer.data(), buffer.size(),
                                    MSG_PEEK | MSG_TRUNC | detail::socket_attempt_flags(until),
                                    reinterpret_cast<sockaddr*>(&storage), &length);
    if (size >= 0) {
      const auto bytes = static_cast<std::size_t>(size);
      if (bytes > buffer.size()) return {bytes, make_error_code(errc::message_too_large)};
      // It fits: take it, without waiting (another reader may have been quicker).
      if (::recv(native_handle(), buffer.data(), buffer.size(), MSG_DONTWAIT) < 0) {
        if (errno == EAGAIN || errno == EINTR) continue;
        return {0, detail::error_from_errno(errno)};
      }
      try {
        from = from_os(storage, length);
      } catch (...) {
        from = {};
      }
      return {bytes, {}};
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN) return {0, detail::error_from_errno(errno)};
    if (const std::error_code ec = detail::wait_readable(native_handle(), until)) return {0, ec};
  }
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
