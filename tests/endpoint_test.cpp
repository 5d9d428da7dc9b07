#include <xipc/endpoint.hpp>

#include <gtest/gtest.h>
#include <xipc/error.hpp>

#include <string>

namespace {

using xipc::endpoint;
using xipc::endpoint_kind;
using xipc::errc;

// The error a malformed address gets, and its message.
std::string why_refused(std::string_view text, errc expected = errc::invalid_argument) {
  std::error_code ec;
  std::string why;
  endpoint::parse(text, ec, &why);
  EXPECT_EQ(ec, expected) << text;
  return why;
}

TEST(endpoint, parses_and_prints_every_form) {
  for (const char* text : {"127.0.0.1:6013", "[::1]:6013", "[2001:db8::5]:80", "0.0.0.0:0", "unix:/run/app.sock",
                           "unix:@app", "255.255.255.255:65535"}) {
    EXPECT_EQ(endpoint::parse(text).to_string(), text);
  }
  const auto v4 = endpoint::parse("10.1.2.3:6013");
  EXPECT_EQ(v4.kind(), endpoint_kind::ipv4);
  EXPECT_EQ(v4.port(), 6013);
  EXPECT_EQ(v4, endpoint::ipv4({10, 1, 2, 3}, 6013));
  EXPECT_EQ(endpoint::parse("[::1]:7"), endpoint::loopback_v6(7));
  EXPECT_EQ(endpoint::parse("unix:/tmp/x").kind(), endpoint_kind::local_path);
  EXPECT_EQ(endpoint::parse("unix:@x").local_name(), "x");
}

TEST(endpoint, resolves_host_names) {
  const auto local = endpoint::parse("localhost:6013");
  EXPECT_TRUE(local.is_ip());
  EXPECT_EQ(local.port(), 6013);
  EXPECT_TRUE(local == endpoint::loopback_v4(6013) || local == endpoint::loopback_v6(6013)) << local.to_string();
  EXPECT_NE(why_refused("no-such-host.invalid:1", errc::not_found).find("cannot be resolved"), std::string::npos);
}

TEST(endpoint, a_malformed_address_says_which_part_is_wrong) {
  EXPECT_NE(why_refused("127.0.0.1").find("':port' is missing"), std::string::npos);
  EXPECT_NE(why_refused("127.0.0.1:").find("port after ':' is missing"), std::string::npos);
  EXPECT_NE(why_refused("127.0.0.1:70000").find("above 65535"), std::string::npos);
  EXPECT_NE(why_refused("127.0.0.1:http").find("not a number"), std::string::npos);
  EXPECT_NE(why_refused(":80").find("host before"), std::string::npos);
  EXPECT_NE(why_refused("300.1.2.3:80").find("not an IPv4 address"), std::string::npos);
  EXPECT_NE(why_refused("::1:80").find("in brackets"), std::string::npos);
  EXPECT_NE(why_refused("[::1:80").find("closing ']'"), std::string::npos);
  EXPECT_NE(why_refused("[::1]80").find("':port' after ']'"), std::string::npos);
  EXPECT_NE(why_refused("[zz::1]:80").find("not an IPv6 address"), std::string::npos);
  EXPECT_NE(why_refused("unix:").find("must follow"), std::string::npos);
  EXPECT_NE(why_refused("unix:@").find("must follow"), std::string::npos);
  EXPECT_NE(why_refused("unix:/" + std::string(200, 'a')).find("more than the 107"), std::string::npos);
  EXPECT_NE(why_refused("").find("empty"), std::string::npos);
  try {
    endpoint::parse("1.2.3.4:99999");
    ADD_FAILURE() << "parsed a bad port";
  } catch (const std::system_error& error) {
    EXPECT_EQ(error.code(), errc::invalid_argument);
    EXPECT_NE(std::string(error.what()).find("1.2.3.4:99999"), std::string::npos) << error.what();
  }
}

}  // namespace
