// The BSD socket API as each OS spells it: Winsock2 on Windows, the POSIX
// headers elsewhere. Code that is the same on both includes this.
#pragma once

#include <xipc/detail/config.hpp>

#include <string>

#if XIPC_OS_WINDOWS
#include <winsock2.h>
#include <ws2tcpip.h>
#else
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#endif

namespace xipc::detail {

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
