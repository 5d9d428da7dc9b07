// Sockets: the calls each backend makes its own way (src/<os>/sockets.cpp),
// and the data transfer every socket type shares (src/socket_io.cpp): TCP,
// UDP, Unix-domain sockets, and the POSIX named pipes built on them.
//
// Connected sockets are blocking on POSIX: a call that may wait forever is
// then one system call, and the others pass MSG_DONTWAIT. Windows has no
// MSG_DONTWAIT, so its sockets stay non-blocking and a call that would block
// waits in select() first, for ever or until its deadline.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include <xipc/concepts.hpp>
#include <xipc/deadline.hpp>
#include <xipc/native_handle.hpp>
#include <xipc/permissions.hpp>
#include <xipc/sockets.hpp>

#include "core/setup_error.hpp"
#include "net/socket_api.hpp"

namespace xipc::detail {

// ---- each backend ---------------------------------------------------------------------

// A new socket, not inherited by child processes; non-blocking when asked
// (always on Windows). invalid_os_socket with last_socket_error() set on failure.
os_socket open_socket(int domain, int type, bool non_blocking) noexcept;

// The next connection on a non-blocking listener, not inherited by child
// processes and already in the connected mode (set_connected_mode), or
// invalid_os_socket with last_socket_error() set.
os_socket accept_connection(os_socket listener) noexcept;

// Puts a socket that has just connected into the mode the calls below expect
// (POSIX: blocking; Windows: as it is).
std::error_code set_connected_mode(native_handle_type socket) noexcept;

// The flags for one send or receive attempt (POSIX: MSG_DONTWAIT unless the
// deadline is forever; Windows: none).
int socket_attempt_flags(deadline until) noexcept;

// Waits until the socket is readable (or writable), or has failed, or the
// deadline passes: errc::would_block for an immediate deadline, errc::timed_out after it.
std::error_code wait_socket(native_handle_type socket, bool for_writing, deadline until) noexcept;

// One datagram or seqpacket message received (or peeked, with MSG_PEEK in
// `flags`) into `buffer`; `from` may be null. Returns the message's whole
// size, larger than the buffer when it did not fit, or -1 with
// last_socket_error() set.
long long receive_attempt(os_socket socket, std::span<std::byte> buffer, int flags, sockaddr_storage* from,
                          socklen_t* from_length) noexcept;

// Options that binding to an IP address needs: a listener may take over a
// port whose old connections linger (POSIX), and no other socket may share
// the address (Windows).
void prepare_ip_bind(os_socket socket, bool listener) noexcept;

// After bind() found the Unix-domain `path` taken: removes it and returns
// true only when it is a stale socket file of this user's (nobody is bound
// to it any more), so that bind can be tried again. Anything else sets `why`:
// errc::already_exists naming what is there (a regular file, a directory, a
// live server's socket, another user's socket). Liveness is read from the
// OS's socket table where it has one (Linux: /proc/net/unix), so a live
// server never sees a probe connection; elsewhere a connect of `type` asks.
bool clear_stale_socket_file(const std::string& path, int type, failure& why);

// Whether a socket of `type` at `path` accepts or receives: a connect that is
// not refused. The fallback liveness probe (socket_io.cpp, every OS).
bool socket_file_answers(const std::string& path, int type) noexcept;

// Before bind: the widest mode the socket file may get (POSIX: fchmod of the
// socket, which Linux's bind applies under the umask; Windows: nothing).
void prepare_local_bind(os_socket socket, const permissions& perms) noexcept;

// After bind: gives the socket file at `path` exactly `perms`, without
// following a link and only while it is a socket of this user's (no chmod
// by name that a swapped file could redirect). Windows: nothing to do.
bool set_socket_file_mode(const std::string& path, const permissions& perms, failure& why);

// Names a Unix-domain socket file, so that its owner removes only the file it
// made; 0 when there is none. remove_socket_file deletes it.
std::uint64_t socket_file_id(const std::string& path) noexcept;
void remove_socket_file(const std::string& path) noexcept;

// The peer of a connected Unix-domain stream as the OS saw it when it
// connected. Windows reports the pid only (socket_peer_has_uid).
std::error_code peer_credentials_of(native_handle_type socket, peer_credentials& out) noexcept;
inline constexpr bool socket_peer_has_uid = !XIPC_OS_WINDOWS;

// ---- shared (src/socket_io.cpp) -------------------------------------------------------

// An option with an int value (setsockopt's argument types differ per OS).
bool set_socket_option(os_socket socket, int level, int name, int value) noexcept;

// The next connection, waiting until `until`. Returns invalid_native_handle with `error` set when there is none.
native_handle_type socket_accept(native_handle_type listener, deadline until, std::error_code& error) noexcept;

// Bytes from a stream socket into `buffer`; errc::end_of_stream once the peer
// shut down its side, errc::peer_closed when it reset the connection.
io_result socket_read_some(native_handle_type socket, std::span<std::byte> buffer, deadline until) noexcept;

// Bytes on a stream socket, up to data.size(); errc::peer_closed when the peer is gone.
io_result socket_write_some(native_handle_type socket, std::span<const std::byte> data, deadline until) noexcept;


// One whole message from a seqpacket socket into `buffer`. When it may not
// fit, the size is peeked first: a larger message is errc::message_too_large
// with its size, and stays. `largest_expected` is the size above which that
// check is needed. errc::peer_closed when the peer is gone.
io_result socket_receive_message(native_handle_type socket, std::span<std::byte> buffer, std::size_t largest_expected,
                                deadline until) noexcept;

// A socket address as the OS spells it, with its length.
struct socket_address {
  sockaddr_storage storage{};
  socklen_t length = sizeof storage;
  const sockaddr* get() const noexcept { return reinterpret_cast<const sockaddr*>(&storage); }
  sockaddr* get() noexcept { return reinterpret_cast<sockaddr*>(&storage); }
};

// One whole message on a seqpacket or datagram socket, to `to` when given
// (an unconnected datagram socket). errc::peer_closed when the peer is gone;
// errc::not_found when nobody is bound at a datagram's address.
std::error_code socket_send_message(native_handle_type socket, std::span<const std::byte> message, deadline until,
                                   const socket_address* to = nullptr) noexcept;

// One datagram into `buffer`, its size always peeked first (a larger one is
// errc::message_too_large with its size, and stays); an empty datagram is 0
// bytes. `from`, when given, gets the sender's address.
io_result socket_receive_datagram(native_handle_type socket, std::span<std::byte> buffer, deadline until,
                                  socket_address* from = nullptr) noexcept;

}  // namespace xipc::detail
