#include <xipc/detail/config.hpp>

#include <gtest/gtest.h>

namespace {

TEST(config, names_exactly_one_operating_system) {
  EXPECT_EQ(XIPC_OS_LINUX + XIPC_OS_MACOS + XIPC_OS_BSD + XIPC_OS_WINDOWS, 1);
}

TEST(config, posix_is_every_system_but_windows) {
  EXPECT_EQ(XIPC_OS_POSIX, XIPC_OS_LINUX + XIPC_OS_MACOS + XIPC_OS_BSD);
  EXPECT_NE(XIPC_OS_POSIX, XIPC_OS_WINDOWS);
}

}  // namespace
