#include <xipc/permissions.hpp>

#include <gtest/gtest.h>

namespace {

TEST(permissions, default_is_owner_only) {
  EXPECT_EQ(xipc::permissions{}, xipc::permissions::owner_only());
  EXPECT_EQ(xipc::permissions{}.bits, 0600u);
  EXPECT_EQ(xipc::permissions::owner_and_group().bits, 0660u);
  EXPECT_EQ(xipc::permissions::everyone().bits, 0666u);
}

}  // namespace
