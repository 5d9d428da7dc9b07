#include <xipc/error.hpp>

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace {

constexpr xipc::errc every_errc[] = {
    xipc::errc::timed_out,       xipc::errc::would_block,    xipc::errc::peer_closed,
    xipc::errc::end_of_stream,   xipc::errc::message_too_large, xipc::errc::corrupted,
    xipc::errc::already_exists,  xipc::errc::not_found,      xipc::errc::invalid_name,
    xipc::errc::invalid_argument, xipc::errc::out_of_range,  xipc::errc::busy,
    xipc::errc::permission_denied, xipc::errc::owner_died, xipc::errc::not_recoverable, xipc::errc::not_supported,
};

TEST(error, category_is_named_xipc) { EXPECT_STREQ(xipc::error_category().name(), "xipc"); }

TEST(error, every_code_has_its_own_message) {
  std::set<std::string> messages;
  for (const auto e : every_errc) {
    const std::error_code ec = e;  // is_error_code_enum lets the enum convert
    EXPECT_TRUE(ec) << static_cast<int>(e);
    EXPECT_EQ(&ec.category(), &xipc::error_category());
    EXPECT_FALSE(ec.message().starts_with("unknown")) << static_cast<int>(e);
    messages.insert(ec.message());
  }
  EXPECT_EQ(messages.size(), std::size(every_errc));
}

TEST(error, unknown_value_says_so) {
  EXPECT_EQ(xipc::error_category().message(999), "unknown xipc error 999");
}

TEST(error, compares_with_standard_conditions) {
  EXPECT_EQ(make_error_code(xipc::errc::timed_out), std::errc::timed_out);
  EXPECT_EQ(make_error_code(xipc::errc::not_found), std::errc::no_such_file_or_directory);
  EXPECT_EQ(make_error_code(xipc::errc::already_exists), std::errc::file_exists);
  EXPECT_EQ(make_error_code(xipc::errc::would_block), std::errc::operation_would_block);
  EXPECT_EQ(make_error_code(xipc::errc::owner_died), std::errc::owner_dead);
  EXPECT_EQ(make_error_code(xipc::errc::not_recoverable), std::errc::state_not_recoverable);
  EXPECT_EQ(make_error_code(xipc::errc::not_supported), std::errc::not_supported);
  EXPECT_NE(make_error_code(xipc::errc::timed_out), std::errc::file_exists);
  // Codes without a standard counterpart stay distinct from every standard condition.
  EXPECT_NE(make_error_code(xipc::errc::corrupted), std::errc::invalid_argument);
}

TEST(error, compares_with_the_enum_directly) {
  const std::error_code ec = xipc::errc::busy;
  EXPECT_EQ(ec, xipc::errc::busy);
  EXPECT_NE(ec, xipc::errc::not_found);
}

}  // namespace
