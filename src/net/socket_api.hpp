// The BSD socket API as each OS spells it: Winsock2 on Windows, the POSIX
// headers elsewhere. Code that is the same on both includes this, and uses
// the names below where the spellings differ (types, error codes, flags).
#pragma once

#include <xipc/detail/config.hpp>
#include <xipc/native_handle.hpp>

#include <climits>
#include <cstddef>
#include <string>

#if XIPC_OS_WINDOWS
#include <winsock2.h>
#include <ws2tcpip.h>
// winsock2.h first: afunix.h needs its types.
#include <afunix.h>
#else
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#endif

#include "backend/os_error.hpp"

namespace xipc::detail {

#if XIPC_OS_WINDOWS
using os_socket = SOCKET;
inline constexpr os_socket invalid_os_socket = INVALID_SOCKET;
// A native_handle_type holds a SOCKET on Windows (both are pointer-sized).
inline os_socket to_os_socket(native_handle_type handle) noexcept { return reinterpret_cast<os_socket>(handle); }
inline native_handle_type from_os_socket(os_socket socket) noexcept { return reinterpret_cast<native_handle_type>(socket); }

// Winsock reports its errors through WSAGetLastError, not errno.
inline int last_socket_error() noexcept { return ::WSAGetLastError(); }
inline constexpr int socket_would_block = WSAEWOULDBLOCK;
inline constexpr int socket_interrupted = WSAEINTR;
inline constexpr int connect_in_progress = WSAEWOULDBLOCK;  // a non-blocking connect under way
inline constexpr int connect_backlog_full = -1;             // Windows refuses instead: never reported
inline constexpr int already_connected = WSAEISCONN;
inline constexpr int address_in_use = WSAEADDRINUSE;
inline constexpr int buffer_too_small = WSAEMSGSIZE;
inline constexpr int shutdown_write_side = SD_SEND;
// Nobody listens or is bound there.
inline bool connection_refused(int code) noexcept { return code == WSAECONNREFUSED; }
// A connection its client reset while it waited to be accepted.
inline bool aborted_before_accept(int code) noexcept { return code == WSAECONNRESET; }
// The OS makes no socket of this family and type (AF_UNIX before Windows 10, or under Wine).
inline bool socket_kind_unsupported(int code) noexcept {
  return code == WSAEAFNOSUPPORT || code == WSAEPROTONOSUPPORT || code == WSAESOCKTNOSUPPORT;
}
// Windows raises no signal for a peer that is gone, and has no MSG_DONTWAIT.
inline constexpr int no_sigpipe = 0;
// How many bytes one send or recv takes (an int on Windows).
inline int socket_io_size(std::size_t size) noexcept { return size > INT_MAX ? INT_MAX : static_cast<int>(size); }

#else
using os_socket = int;
inline constexpr os_socket invalid_os_socket = -1;
inline os_socket to_os_socket(native_handle_type handle) noexcept { return handle; }
inline native_handle_type from_os_socket(os_socket socket) noexcept { return socket; }

inline int last_socket_error() noexcept { return errno; }
inline constexpr int socket_would_block = EAGAIN;
inline constexpr int socket_interrupted = EINTR;
inline constexpr int connect_in_progress = EINPROGRESS;
inline constexpr int connect_backlog_full = EAGAIN;  // a Unix-domain server's backlog: try again
inline constexpr int already_connected = EISCONN;
inline constexpr int address_in_use = EADDRINUSE;
inline constexpr int buffer_too_small = EMSGSIZE;
inline constexpr int shutdown_write_side = SHUT_WR;
// Nobody listens or is bound there (a Unix-domain path that is missing says ENOENT).
inline bool connection_refused(int code) noexcept { return code == ECONNREFUSED || code == ENOENT; }
// A connection its client reset while it waited to be accepted.
inline bool aborted_before_accept(int code) noexcept { return code == ECONNABORTED; }
// The OS makes no socket of this family and type.
inline bool socket_kind_unsupported(int code) noexcept {
  return code == EAFNOSUPPORT || code == EPROTONOSUPPORT || code == ESOCKTNOSUPPORT;
}
// A peer that is gone is EPIPE, not SIGPIPE (no signal mask games, as pipes need).
inline constexpr int no_sigpipe = MSG_NOSIGNAL;
inline std::size_t socket_io_size(std::size_t size) noexcept { return size; }

#endif

// A socket error code (last_socket_error()) in xipc's error model.
inline std::error_code socket_error_code(int code) noexcept { return error_from_os(static_cast<os_error_value>(code)); }
inline failure socket_failure(std::string call, int code) { return os_failure(std::move(call), static_cast<os_error_value>(code)); }

// Starts the OS's socket layer, once per process (WSAStartup on Windows,
// nothing elsewhere); false if it could not be started.
inline bool start_sockets() noexcept {
#if XIPC_OS_WINDOWS
  static const bool started = [] {
    WSADATA data{};
    return ::WSAStartup(MAKEWORD(2, 2), &data) == 0;
  }();
  return started;
#else
  return true;
#endif
}

// The resolver's words for a getaddrinfo result code.
inline std::string resolver_error_text(int code) {
#if XIPC_OS_WINDOWS
  return std::system_category().message(code);  // a WSA error code there
#else
  return ::gai_strerror(code);
#endif
}

}  // namespace xipc::detail
