// The umbrella header brings in every public type.
#include <xipc/xipc.hpp>

#include <gtest/gtest.h>

namespace {

TEST(xipc_header, declares_every_public_type) {
  static_assert(xipc::memory_region<xipc::shared_memory>);
  static_assert(xipc::memory_region<xipc::anonymous_memory>);
  static_assert(xipc::memory_region<xipc::mapped_file>);
  EXPECT_EQ(xipc::deadline::forever(), xipc::deadline::forever());
  EXPECT_FALSE(xipc::validate_name("umbrella"));
}

}  // namespace
