// The socket calls each backend makes its own way (posix/sockets.cpp,
// win32/sockets.cpp; a Unix-domain peer's credentials in the OS's own file,
// linux/socket_peer_ucred.cpp). The data transfer every socket type shares is
// written once over these, in net/socket_io.cpp.
//
// Connected sockets are blocking on POSIX: a call that may wait forever is
// then one system call, and the others pass MSG_DONTWAIT. Windows has no
// MSG_DONTWAIT, so its sockets stay non-blocking and a call that would block
// waits in select() first, for ever or until its deadline.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include <xipc/deadline.hpp>
#include <xipc/native_handle.hpp>
#include <xipc/permissions.hpp>
#include <xipc/sockets.hpp>

#include "core/setup_error.hpp"
#include "net/socket_api.hpp"

namespace xipc::detail {


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

}  // namespace xipc::detail
