#include <xipc/native_handle.hpp>

#include <gtest/gtest.h>
#include <xipc/shared_memory.hpp>

#include <type_traits>

namespace {

TEST(native_handle, an_object_that_is_not_open_has_the_invalid_handle) {
  EXPECT_EQ(xipc::shared_memory{}.native_handle(), xipc::invalid_native_handle);
#if XIPC_OS_WINDOWS
  static_assert(std::is_pointer_v<xipc::native_handle_type>);
#else
  static_assert(std::is_same_v<xipc::native_handle_type, int>);
#endif
}

}  // namespace
