// The same on every OS: Winsock2 has the BSD calls these need.
#include "net/endpoint_os.hpp"

#include <cstring>

#include "net/socket_api.hpp"

namespace xipc::detail {

std::optional<std::array<std::uint8_t, 4>> parse_ipv4(std::string_view text) {
  std::array<std::uint8_t, 4> bytes{};
  if (text.size() > 15 || ::inet_pton(AF_INET, std::string(text).c_str(), bytes.data()) != 1) return std::nullopt;
  return bytes;
}

std::optional<std::array<std::uint8_t, 16>> parse_ipv6(std::string_view text) {
  std::array<std::uint8_t, 16> bytes{};
  if (text.size() > 45 || ::inet_pton(AF_INET6, std::string(text).c_str(), bytes.data()) != 1) return std::nullopt;
  return bytes;
}

std::string format_ipv6(const std::array<std::uint8_t, 16>& address) {
  char text[INET6_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET6, address.data(), text, sizeof text);
  return text;
}

std::optional<endpoint> resolve_host(std::string_view host, std::uint16_t port, std::string& error) {
  if (!start_sockets()) {
    error = "the socket layer could not be started";
    return std::nullopt;
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int rc = ::getaddrinfo(std::string(host).c_str(), nullptr, &hints, &found);
  if (rc != 0) {
    error = resolver_error_text(rc);
    return std::nullopt;
  }
  std::optional<endpoint> result;
  for (const addrinfo* entry = found; entry != nullptr && !result; entry = entry->ai_next) {
    if (entry->ai_family == AF_INET) {
      sockaddr_in address{};
      std::memcpy(&address, entry->ai_addr, sizeof address);
      std::array<std::uint8_t, 4> bytes{};
      std::memcpy(bytes.data(), &address.sin_addr, 4);
      result = endpoint::ipv4(bytes, port);
    } else if (entry->ai_family == AF_INET6) {
      sockaddr_in6 address{};
      std::memcpy(&address, entry->ai_addr, sizeof address);
      std::array<std::uint8_t, 16> bytes{};
      std::memcpy(bytes.data(), &address.sin6_addr, 16);
      result = endpoint::ipv6(bytes, port, address.sin6_scope_id);
    }
  }
  ::freeaddrinfo(found);
  if (!result) error = "it has no IPv4 or IPv6 address";
  return result;
}

}  // namespace xipc::detail
