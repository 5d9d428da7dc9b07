#include <xipc/anonymous_memory.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <xipc/detail/config.hpp>
#if XIPC_OS_LINUX
#include <unistd.h>
#endif

#include "support/bytes.hpp"
#include "support/handles.hpp"
#include "support/peer_process.hpp"

namespace {

using xipc::access;
using xipc::anonymous_memory;
using xipc::errc;

TEST(anonymous_memory, create_gives_a_zero_filled_writable_region) {
  auto region = anonymous_memory::create(8192);
  EXPECT_EQ(region.size(), 8192u);
  EXPECT_TRUE(region.writable());
  for (std::size_t i = 0; i < region.size(); ++i) ASSERT_EQ(region.data()[i], std::byte{0}) << i;
}

TEST(anonymous_memory, its_handle_is_not_inheritable) {
  auto region = anonymous_memory::create(64);
  ASSERT_TRUE(xipc::test::handle_is_open(region.native_handle()));
  EXPECT_FALSE(xipc::test::handle_is_inheritable(region.native_handle()))
      << "a region is handed to a child on purpose, never by accident";
}

#if XIPC_OS_LINUX
// Which mechanism made the object: a memfd, or (the generic POSIX twin) a
// shared memory object unlinked at once, so that no other process can open it by name.
TEST(anonymous_memory, the_object_is_made_by_this_builds_mechanism_and_has_no_name) {
  auto region = anonymous_memory::create(64);
  char target[256] = {};
  const std::string link = "/proc/self/fd/" + std::to_string(region.native_handle());
  const ssize_t length = ::readlink(link.c_str(), target, sizeof target - 1);
  ASSERT_GT(length, 0);
  const std::string path(target, static_cast<std::size_t>(length));
#if XIPC_HAS_MEMFD
  EXPECT_TRUE(path.starts_with("/memfd:")) << path;
#else
  EXPECT_TRUE(path.starts_with("/dev/shm/xipc.anon.")) << path;
  EXPECT_TRUE(path.ends_with(" (deleted)")) << path << ": still reachable by its name";
#endif
}
#endif

TEST(anonymous_memory, size_zero_is_an_invalid_argument) {
  std::error_code ec;
  const auto region = anonymous_memory::create(0, ec);
  EXPECT_EQ(ec, errc::invalid_argument);
  EXPECT_FALSE(region.is_open());
  EXPECT_THROW(anonymous_memory::create(0), std::system_error);
}

TEST(anonymous_memory, adopting_a_copy_of_the_handle_maps_the_same_pages) {
  auto original = anonymous_memory::create(4096);
  auto copy = anonymous_memory::adopt(xipc::test::duplicate_handle(original.native_handle()));
  EXPECT_EQ(copy.size(), 4096u);
  xipc::test::fill_pattern({original.data(), original.size()}, 11);
  EXPECT_EQ(xipc::test::first_mismatch({copy.data(), copy.size()}, 11), copy.size());
}

TEST(anonymous_memory, adopting_read_only_refuses_writes_through_the_api) {
  auto original = anonymous_memory::create(64);
  auto viewer = anonymous_memory::adopt(xipc::test::duplicate_handle(original.native_handle()), access::read_only);
  EXPECT_FALSE(viewer.writable());
  EXPECT_EQ(viewer.write(0, xipc::test::to_bytes("x")), errc::permission_denied);
}

TEST(anonymous_memory, adopting_something_that_is_not_a_region_fails_and_closes_it) {
  const auto [reader, writer] = xipc::test::os_pipe();
  std::error_code ec;
  anonymous_memory::adopt(reader, access::read_write, ec);
  EXPECT_TRUE(ec);
  EXPECT_FALSE(xipc::test::handle_is_open(reader)) << "adopt owns the handle, also when it fails";
  xipc::test::close_handle(writer);

  anonymous_memory::adopt(xipc::invalid_native_handle, access::read_write, ec);
  EXPECT_EQ(ec, errc::invalid_argument);
}

// The number the peer sees the inherited region as.
constexpr int inherited_fd = 100;

XIPC_TEST_ROLE(anonymous_write_pattern) {
  // args: seed; the region arrives as the handle numbered `inherited_fd`
  if (args.size() != 1) return 2;
  auto region = anonymous_memory::adopt(xipc::test::handle_from_parent(inherited_fd));
  xipc::test::fill_pattern({region.data(), region.size()}, std::strtoull(args[0], nullptr, 10));
  return 0;
}

TEST(anonymous_memory, a_child_given_the_handle_writes_into_the_same_pages) {
  auto region = anonymous_memory::create(1 << 20);
  auto child = xipc::test::peer_process::start("anonymous_write_pattern", {"21"},
                                               {{region.native_handle(), inherited_fd}});
  ASSERT_EQ(child.wait(), 0);
  EXPECT_EQ(xipc::test::first_mismatch({region.data(), region.size()}, 21), region.size());
}

}  // namespace
