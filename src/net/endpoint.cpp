// Parsing and printing endpoints. The text rules are here; turning text into
// address bytes and resolving host names are the backend's (endpoint_os.hpp).
#include <xipc/endpoint.hpp>
#include <xipc/error.hpp>

#include <fmt/format.h>

#include <charconv>
#include <optional>

#include "net/endpoint_os.hpp"

namespace xipc {
namespace {

struct parse_failure {
  errc code;
  std::string why;
};

// "6013" -> 6013; anything but 1 to 5 digits up to 65535 is refused, saying so.
std::optional<std::uint16_t> parse_port(std::string_view text, std::string_view whole, parse_failure& failure) {
  if (text.empty()) {
    failure = {errc::invalid_argument, fmt::format("\"{}\": the port after ':' is missing", whole)};
    return std::nullopt;
  }
  unsigned value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size() || text.size() > 5) {
    failure = {errc::invalid_argument, fmt::format("\"{}\": the port \"{}\" is not a number from 0 to 65535", whole, text)};
    return std::nullopt;
  }
  if (value > 65535) {
    failure = {errc::invalid_argument, fmt::format("\"{}\": the port {} is above 65535", whole, value)};
    return std::nullopt;
  }
  return static_cast<std::uint16_t>(value);
}

std::optional<endpoint> parse_local(std::string_view rest, std::string_view whole, parse_failure& failure) {
  const bool abstract = !rest.empty() && rest.front() == '@';
  const std::string_view name = abstract ? rest.substr(1) : rest;
  if (name.empty()) {
    failure = {errc::invalid_argument,
               fmt::format("\"{}\": a path (unix:/path) or an abstract name (unix:@name) must follow \"unix:\"", whole)};
    return std::nullopt;
  }
  if (name.size() > endpoint::max_local_bytes) {
    failure = {errc::invalid_argument, fmt::format("\"{}\": the {} is {} bytes long, more than the {} a socket address holds",
                                                   whole, abstract ? "abstract name" : "path", name.size(),
                                                   endpoint::max_local_bytes)};
    return std::nullopt;
  }
  if (name.find('\0') != std::string_view::npos) {
    failure = {errc::invalid_argument, fmt::format("\"{}\": the name holds a NUL character", whole)};
    return std::nullopt;
  }
  return abstract ? endpoint::abstract(name) : endpoint::local(name);
}

std::optional<endpoint> parse_text(std::string_view text, parse_failure& failure) {
  if (text.starts_with("unix:")) return parse_local(text.substr(5), text, failure);
  if (text.empty()) {
    failure = {errc::invalid_argument, "the address is empty: expected host:port, [ipv6]:port or unix:/path"};
    return std::nullopt;
  }
  std::string_view host;
  std::string_view port_text;
  bool bracketed = false;
  if (text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) {
      failure = {errc::invalid_argument, fmt::format("\"{}\": the IPv6 address has no closing ']'", text)};
      return std::nullopt;
    }
    if (close + 1 >= text.size() || text[close + 1] != ':') {
      failure = {errc::invalid_argument, fmt::format("\"{}\": expected ':port' after ']'", text)};
      return std::nullopt;
    }
    host = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
    bracketed = true;
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      failure = {errc::invalid_argument, fmt::format("\"{}\": expected host:port; the ':port' is missing", text)};
      return std::nullopt;
    }
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      failure = {errc::invalid_argument, fmt::format("\"{}\": an IPv6 address goes in brackets: [{}]:port", text, host)};
      return std::nullopt;
    }
  }
  const auto port = parse_port(port_text, text, failure);
  if (!port) return std::nullopt;
  if (host.empty()) {
    failure = {errc::invalid_argument, fmt::format("\"{}\": the host before ':{}' is missing", text, port_text)};
    return std::nullopt;
  }
  if (bracketed) {
    const auto address = detail::parse_ipv6(host);
    if (!address) {
      failure = {errc::invalid_argument, fmt::format("\"{}\": \"{}\" is not an IPv6 address", text, host)};
      return std::nullopt;
    }
    return endpoint::ipv6(*address, *port);
  }
  if (const auto v4 = detail::parse_ipv4(host)) return endpoint::ipv4(*v4, *port);
  // All digits and dots but not an address: a malformed IPv4 address, not a host name.
  if (host.find_first_not_of("0123456789.") == std::string_view::npos) {
    failure = {errc::invalid_argument, fmt::format("\"{}\": \"{}\" is not an IPv4 address", text, host)};
    return std::nullopt;
  }
  std::string resolve_error;
  if (auto resolved = detail::resolve_host(host, *port, resolve_error)) return resolved;
  failure = {errc::not_found, fmt::format("\"{}\": the host \"{}\" cannot be resolved: {}", text, host, resolve_error)};
  return std::nullopt;
}

}  // namespace

endpoint endpoint::parse(std::string_view text, std::error_code& ec, std::string* why) {
  parse_failure failure{};
  if (auto parsed = parse_text(text, failure)) {
    ec = {};
    return *parsed;
  }
  ec = make_error_code(failure.code);
  if (why != nullptr) *why = failure.why;
  return {};
}

endpoint endpoint::parse(std::string_view text) {
  std::error_code ec;
  std::string why;
  endpoint parsed = parse(text, ec, &why);
  if (ec) throw std::system_error(ec, "xipc::endpoint " + why);
  return parsed;
}

endpoint endpoint::ipv4(std::array<std::uint8_t, 4> address, std::uint16_t port) noexcept {
  endpoint result;
  result.kind_ = endpoint_kind::ipv4;
  std::copy(address.begin(), address.end(), result.address_.begin());
  result.port_ = port;
  return result;
}

endpoint endpoint::ipv6(std::array<std::uint8_t, 16> address, std::uint16_t port, std::uint32_t scope_id) noexcept {
  endpoint result;
  result.kind_ = endpoint_kind::ipv6;
  result.address_ = address;
  result.port_ = port;
  result.scope_id_ = scope_id;
  return result;
}

endpoint endpoint::loopback_v6(std::uint16_t port) noexcept {
  std::array<std::uint8_t, 16> address{};
  address[15] = 1;
  return ipv6(address, port);
}

namespace {
void check_local_name(std::string_view name) {
  if (name.empty() || name.size() > endpoint::max_local_bytes || name.find('\0') != std::string_view::npos) {
    throw std::system_error(make_error_code(errc::invalid_argument),
                            fmt::format("xipc::endpoint: a Unix-domain path or name must be 1 to {} bytes without "
                                        "NUL, not {} bytes",
                                        endpoint::max_local_bytes, name.size()));
  }
}
}  // namespace

endpoint endpoint::local(std::string_view path) { return make_local(endpoint_kind::local_path, path); }
endpoint endpoint::abstract(std::string_view name) { return make_local(endpoint_kind::local_abstract, name); }

endpoint endpoint::make_local(endpoint_kind kind, std::string_view name) {
  check_local_name(name);
  endpoint result;
  result.kind_ = kind;
  result.local_ = std::string(name);
  return result;
}

std::string endpoint::to_string() const {
  switch (kind_) {
    case endpoint_kind::none: return "(none)";
    case endpoint_kind::ipv4:
      return fmt::format("{}.{}.{}.{}:{}", address_[0], address_[1], address_[2], address_[3], port_);
    case endpoint_kind::ipv6: return fmt::format("[{}]:{}", detail::format_ipv6(address_), port_);
    case endpoint_kind::local_path: return "unix:" + local_;
    case endpoint_kind::local_abstract: return "unix:@" + local_;
  }
  return {};
}

}  // namespace xipc
