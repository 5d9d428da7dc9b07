// Where a socket connects or listens: an IPv4 or IPv6 address and port, or a
// Unix-domain socket by path or (Linux) abstract name. One type that parses
// and prints every form:
//
//   127.0.0.1:6013     [::1]:6013     localhost:6013 (resolved)
//   unix:/run/app.sock                unix:@app (Linux abstract namespace)
//
//   auto where = xipc::endpoint::parse("localhost:6013");
//   std::string text = where.to_string();    // "127.0.0.1:6013"
//
// Thread safety: an endpoint is a value: safe to copy and to read from many threads.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

namespace xipc {

enum class endpoint_kind {
  none,            // a default-constructed endpoint
  ipv4,
  ipv6,
  local_path,      // unix:/path
  local_abstract,  // unix:@name (Linux)
};

class endpoint {
 public:
  // The longest Unix-domain socket path or abstract name (sun_path less its terminator).
  static constexpr std::size_t max_local_bytes = 107;

  endpoint() noexcept = default;

  // Parses one of the forms above. A host name is resolved (the first IPv4
  // or IPv6 address it has). A malformed address is errc::invalid_argument,
  // and the message says which part is wrong; an unknown host errc::not_found.
  static endpoint parse(std::string_view text);
  static endpoint parse(std::string_view text, std::error_code& ec, std::string* why = nullptr);

  static endpoint ipv4(std::array<std::uint8_t, 4> address, std::uint16_t port) noexcept;
  static endpoint ipv6(std::array<std::uint8_t, 16> address, std::uint16_t port, std::uint32_t scope_id = 0) noexcept;
  static endpoint loopback_v4(std::uint16_t port) noexcept { return ipv4({127, 0, 0, 1}, port); }
  static endpoint loopback_v6(std::uint16_t port) noexcept;
  // errc::invalid_argument (thrown) when empty or longer than max_local_bytes.
  static endpoint local(std::string_view path);
  static endpoint abstract(std::string_view name);

  endpoint_kind kind() const noexcept { return kind_; }
  bool is_ip() const noexcept { return kind_ == endpoint_kind::ipv4 || kind_ == endpoint_kind::ipv6; }
  bool is_local() const noexcept { return kind_ == endpoint_kind::local_path || kind_ == endpoint_kind::local_abstract; }

  std::uint16_t port() const noexcept { return port_; }
  // IPv4: the first 4 bytes; IPv6: all 16.
  const std::array<std::uint8_t, 16>& address_bytes() const noexcept { return address_; }
  std::uint32_t scope_id() const noexcept { return scope_id_; }
  // local_path: the path; local_abstract: the name without the '@'.
  const std::string& local_name() const noexcept { return local_; }

  // The text form, which parse() reads back: "127.0.0.1:6013", "[::1]:6013", "unix:/path", "unix:@name".
  std::string to_string() const;

  friend bool operator==(const endpoint&, const endpoint&) = default;

 private:
  static endpoint make_local(endpoint_kind kind, std::string_view name);

  endpoint_kind kind_ = endpoint_kind::none;
  std::array<std::uint8_t, 16> address_{};
  std::uint16_t port_ = 0;
  std::uint32_t scope_id_ = 0;
  std::string local_;
};

}  // namespace xipc
