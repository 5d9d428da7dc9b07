// The backend contract's mapping (backend/mapping.hpp): one suite over each
// kind of memory object a backend maps.
#include <gtest/gtest.h>
#include <xipc/anonymous_memory.hpp>
#include <xipc/shared_memory.hpp>

#include <cstring>
#include <string>

#include "backend/mapping.hpp"
#include "backend/mechanism_name.hpp"
#include "support/object_names.hpp"

namespace {

using xipc::access;
using xipc::detail::failure;

constexpr std::size_t object_bytes = 3 * 4096;

struct named_object {
  static constexpr const char* name = "shared_memory";
  xipc::test::object_names names{[](const std::string& object) { xipc::shared_memory::remove(object); }};
  xipc::shared_memory region = xipc::shared_memory::create(names.make("mapping"), object_bytes);
};
struct anonymous_object {
  static constexpr const char* name = "anonymous_memory";
  xipc::anonymous_memory region = xipc::anonymous_memory::create(object_bytes);
};

template <class Object>
class mapping_contract : public ::testing::Test {
 protected:
  Object object;
  xipc::native_handle_type handle() { return object.region.native_handle(); }
  std::byte* bytes() { return object.region.data(); }
};
using objects = ::testing::Types<named_object, anonymous_object>;
TYPED_TEST_SUITE(mapping_contract, objects, xipc::test::mechanism_name);

TYPED_TEST(mapping_contract, the_size_is_the_objects) {
  failure why;
  // A backend may round up to whole pages (a Windows section under Wine does).
  const std::size_t size = xipc::detail::object_size(this->handle(), why);
  EXPECT_FALSE(why) << why.detail;
  EXPECT_GE(size, object_bytes);
  EXPECT_LT(size, object_bytes + 65536);
}

TYPED_TEST(mapping_contract, a_view_at_an_unaligned_offset_sees_the_same_bytes) {
  for (std::size_t i = 0; i < object_bytes; ++i) this->bytes()[i] = static_cast<std::byte>(i * 7 + 3);
  failure why;
  constexpr std::size_t offset = 4096 + 123;
  constexpr std::size_t length = 5000;
  // Owned by a region without a handle: unmapped when the test ends, the object left open.
  const xipc::detail::mapped_region second(
      xipc::invalid_native_handle, xipc::detail::map_view(this->handle(), offset, length, access::read_write, why));
  ASSERT_FALSE(why) << why.detail;
  ASSERT_NE(second.data(), nullptr);
  ASSERT_EQ(second.size(), length);
  EXPECT_EQ(std::memcmp(second.data(), this->bytes() + offset, length), 0);
  // Writes through the second view show in the first: one object, two mappings.
  second.data()[0] = std::byte{0xA5};
  EXPECT_EQ(this->bytes()[offset], std::byte{0xA5});
}

TYPED_TEST(mapping_contract, an_open_handle_names_an_object_and_an_invalid_one_does_not) {
  EXPECT_FALSE(xipc::detail::names_no_object(this->handle()));
  EXPECT_TRUE(xipc::detail::names_no_object(xipc::invalid_native_handle));
}

}  // namespace
