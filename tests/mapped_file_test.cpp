#include <xipc/mapped_file.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "support/bytes.hpp"
#include "support/object_names.hpp"

namespace {

using xipc::access;
using xipc::errc;
using xipc::file_range;
using xipc::mapped_file;
namespace fs = std::filesystem;

// A file in the temporary directory, removed when the test ends.
class mapped_file_test : public ::testing::Test {
 protected:
  fs::path make_file(std::size_t size, std::uint64_t seed) {
    const fs::path path = fs::temp_directory_path() / xipc::test::unique_name("");
    paths_.push_back(path);
    std::vector<std::byte> bytes(size);
    xipc::test::fill_pattern(bytes, seed);
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                                static_cast<std::streamsize>(bytes.size()));
    return path;
  }
  ~mapped_file_test() override {
    for (const auto& path : paths_) fs::remove_all(path);
  }

  std::vector<fs::path> paths_;
};

TEST_F(mapped_file_test, maps_a_whole_file) {
  const auto path = make_file(10000, 4);
  auto file = mapped_file::open(path.string());
  EXPECT_EQ(file.size(), 10000u);
  EXPECT_FALSE(file.writable());
  EXPECT_EQ(file.path(), path.string());
  EXPECT_EQ(xipc::test::first_mismatch({file.data(), file.size()}, 4), file.size());
}

TEST_F(mapped_file_test, maps_a_range_at_an_offset_that_is_not_page_aligned) {
  const auto path = make_file(20000, 6);
  auto file = mapped_file::open(path.string(), access::read_only, {.offset = 5001, .length = 3000});
  ASSERT_EQ(file.size(), 3000u);
  for (std::size_t i = 0; i < file.size(); ++i) ASSERT_EQ(file.data()[i], xipc::test::pattern_byte(6, 5001 + i)) << i;
}

TEST_F(mapped_file_test, writes_through_a_read_write_mapping_reach_the_file) {
  const auto path = make_file(100, 1);
  {
    auto file = mapped_file::open(path.string(), access::read_write, {.offset = 10});
    EXPECT_EQ(file.size(), 90u);
    ASSERT_FALSE(file.write(0, xipc::test::to_bytes("Greetings")));
  }
  std::ifstream in(path, std::ios::binary);
  const std::string content{std::istreambuf_iterator<char>(in), {}};
  EXPECT_EQ(content.substr(10, 9), "Greetings");
}

TEST_F(mapped_file_test, a_range_past_the_end_is_out_of_range) {
  const auto path = make_file(100, 1);
  std::error_code ec;
  mapped_file::open(path.string(), access::read_only, {.offset = 50, .length = 51}, ec);
  EXPECT_EQ(ec, errc::out_of_range);
  mapped_file::open(path.string(), access::read_only, {.offset = 101}, ec);
  EXPECT_EQ(ec, errc::out_of_range);
  try {
    mapped_file::open(path.string(), access::read_only, {.offset = 90, .length = 20});
    ADD_FAILURE() << "no exception";
  } catch (const std::system_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(path.string()), std::string::npos) << what;
    EXPECT_NE(what.find("20 bytes from offset 90"), std::string::npos) << what;
  }
}

TEST_F(mapped_file_test, an_empty_file_or_range_is_an_invalid_argument) {
  const auto empty = make_file(0, 0);
  std::error_code ec;
  mapped_file::open(empty.string(), access::read_only, {}, ec);
  EXPECT_EQ(ec, errc::invalid_argument);
  const auto path = make_file(100, 1);
  mapped_file::open(path.string(), access::read_only, {.offset = 100}, ec);
  EXPECT_EQ(ec, errc::invalid_argument);
}

TEST_F(mapped_file_test, a_missing_file_is_not_found_and_a_directory_is_refused) {
  std::error_code ec;
  mapped_file::open((fs::temp_directory_path() / xipc::test::unique_name("missing")).string(), access::read_only, {},
                    ec);
  EXPECT_EQ(ec, errc::not_found);
  mapped_file::open(fs::temp_directory_path().string(), access::read_only, {}, ec);
  EXPECT_EQ(ec, errc::invalid_argument);
}

TEST_F(mapped_file_test, writing_a_read_only_mapping_through_the_api_is_refused) {
  const auto path = make_file(100, 1);
  auto file = mapped_file::open(path.string());
  EXPECT_EQ(file.write(0, xipc::test::to_bytes("x")), errc::permission_denied);
  EXPECT_EQ(file.data()[0], xipc::test::pattern_byte(1, 0));
}

}  // namespace
