#include <xipc/detail/ring_layout.hpp>

#include <gtest/gtest.h>

namespace {

using xipc::detail::ring_record_bytes;

// The offsets of the shared lines are static_asserts in the header itself.
TEST(ring_layout, records_are_eight_aligned_with_their_header) {
  EXPECT_EQ(ring_record_bytes(0), 8u);
  EXPECT_EQ(ring_record_bytes(1), 16u);
  EXPECT_EQ(ring_record_bytes(8), 16u);
  EXPECT_EQ(ring_record_bytes(9), 24u);
  EXPECT_EQ(ring_record_bytes(120), 128u);
}

}  // namespace
