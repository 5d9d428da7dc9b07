#include <xipc/detail/mapped_region.hpp>

#include <gtest/gtest.h>
#include <xipc/anonymous_memory.hpp>

namespace {

TEST(mapped_region, an_empty_region_has_nothing_to_read_or_write) {
  xipc::detail::mapped_region empty;
  EXPECT_FALSE(empty.is_open());
  EXPECT_EQ(empty.data(), nullptr);
  EXPECT_EQ(empty.size(), 0u);
  EXPECT_EQ(empty.native_handle(), xipc::invalid_native_handle);
  std::byte one[1]{};
  EXPECT_EQ(empty.read(0, one), xipc::errc::out_of_range);
  EXPECT_EQ(empty.write(0, one), xipc::errc::out_of_range);
}

TEST(mapped_region, move_assignment_releases_what_the_target_held) {
  auto a = xipc::anonymous_memory::create(64);
  auto b = xipc::anonymous_memory::create(64);
  const auto b_handle = b.native_handle();
  a = std::move(b);
  EXPECT_EQ(a.native_handle(), b_handle);
  EXPECT_FALSE(b.is_open());  // NOLINT(bugprone-use-after-move): a moved-from region is empty
}

}  // namespace
