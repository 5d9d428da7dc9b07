// What endpoint parsing needs from the OS: address text to bytes and back,
// and host name resolution; and what sockets need: endpoints to and from
// the OS's socket addresses. Each backend implements these once.
#pragma once

#include <xipc/endpoint.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace xipc::detail {

std::optional<std::array<std::uint8_t, 4>> parse_ipv4(std::string_view text);
std::optional<std::array<std::uint8_t, 16>> parse_ipv6(std::string_view text);
std::string format_ipv6(const std::array<std::uint8_t, 16>& address);

// The first address `host` resolves to, with `port`; nothing, with the
// resolver's reason in `error`, when it does not resolve.
std::optional<endpoint> resolve_host(std::string_view host, std::uint16_t port, std::string& error);

}  // namespace xipc::detail
