#include <xipc/detail/ring_layout.hpp>

#include <gtest/gtest.h>

namespace {

using xipc::detail::ring_record_bytes;

TEST(ring_layout, records_are_eight_aligned_with_their_header) {
  EXPECT_EQ(ring_record_bytes(0), 8u);
  EXPECT_EQ(ring_record_bytes(1), 16u);
  EXPECT_EQ(ring_record_bytes(8), 16u);
  EXPECT_EQ(ring_record_bytes(9), 24u);
  EXPECT_EQ(ring_record_bytes(120), 128u);
}

TEST(ring_layout, each_side_has_its_own_lines) {
  // The static_asserts in the header fix the offsets; this names what they protect.
  EXPECT_EQ(xipc::detail::ring_data_offset % xipc::detail::ring_line_bytes, 0u);
  EXPECT_NE(offsetof(xipc::detail::ring_layout, producer) / 64, offsetof(xipc::detail::ring_layout, consumer) / 64);
}

}  // namespace
