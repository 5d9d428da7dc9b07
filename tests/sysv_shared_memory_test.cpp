#include <xipc/sysv_shared_memory.hpp>

#include <gtest/gtest.h>
#include <xipc/detail/config.hpp>

#include <array>
#include <cstdint>
#include <cstring>
#include <string>

#if XIPC_HAS_SYSV_SHM
#include <sys/ipc.h>
#include <sys/shm.h>
#endif

#include "support/bytes.hpp"
#include "support/object_names.hpp"
#include "support/peer_process.hpp"

namespace {

using xipc::access;
using xipc::errc;
using xipc::sysv_shared_memory;

struct segment_names : xipc::test::object_names {
  segment_names()
      : object_names([](const std::string& name) {
          std::error_code ignored;
          sysv_shared_memory::remove(name, ignored);
#if XIPC_HAS_SYSV_SHM
          // Whatever a test put at the name's key by hand goes too.
          const int id = ::shmget(sysv_shared_memory::key_of(name), 0, 0);
          if (id >= 0) ::shmctl(id, IPC_RMID, nullptr);
#endif
        }) {}
};

#define XIPC_REQUIRE_SYSV_SHM() \
  if (!sysv_shared_memory::supported) GTEST_SKIP() << "skipped: no System V shared memory in this build"

TEST(sysv_shared_memory, is_refused_clearly_where_the_build_has_none) {
  if (sysv_shared_memory::supported) GTEST_SKIP() << "skipped: this build has System V shared memory";
  std::error_code ec;
  sysv_shared_memory::create("frames", 4096, ec);
  EXPECT_EQ(ec, errc::invalid_argument);
  try {
    sysv_shared_memory::open("frames");
    ADD_FAILURE() << "opened";
  } catch (const std::system_error& error) {
    EXPECT_NE(std::string(error.what()).find("Linux"), std::string::npos) << error.what();
  }
}

// Writes its argument at the start of the named segment.
XIPC_TEST_ROLE(sysv_write_greeting) {
  if (args.size() != 2) return 2;
  auto region = sysv_shared_memory::open(args[0]);
  return region.write(0, xipc::test::to_bytes(args[1])) ? 1 : 0;
}

TEST(sysv_shared_memory, another_process_sees_what_one_writes) {
  XIPC_REQUIRE_SYSV_SHM();
  segment_names names;
  const std::string name = names.make("shared");
  auto region = sysv_shared_memory::create(name, 10000);
  EXPECT_EQ(region.size(), 10000u);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(region.data()) % 4096, 0u) << "the region starts page-aligned";
  EXPECT_EQ(region.data()[9999], std::byte{0}) << "zero-filled";
  EXPECT_EQ(xipc::test::peer_process::start("sysv_write_greeting", {name, "hello"}).wait(), 0);
  EXPECT_EQ(std::memcmp(region.data(), "hello", 5), 0);
  std::array<std::byte, 4> past{};
  EXPECT_EQ(region.read(9998, past), errc::out_of_range);
  auto view = sysv_shared_memory::open(name, access::read_only);
  EXPECT_EQ(view.size(), 10000u);
  EXPECT_FALSE(view.writable());
  EXPECT_EQ(view.write(0, xipc::test::to_bytes("x")), errc::permission_denied);
  EXPECT_EQ(view.id(), region.id());
}

TEST(sysv_shared_memory, remove_frees_the_name_and_attached_memory_stays) {
  XIPC_REQUIRE_SYSV_SHM();
  segment_names names;
  const std::string name = names.make("removed");
  auto region = sysv_shared_memory::create(name, 64);
  std::error_code ec;
  sysv_shared_memory::create(name, 64, ec);
  EXPECT_EQ(ec, errc::already_exists);
  EXPECT_TRUE(sysv_shared_memory::remove(name));
  EXPECT_FALSE(sysv_shared_memory::remove(name)) << "nothing left to remove";
  sysv_shared_memory::open(name, access::read_write, ec);
  EXPECT_EQ(ec, errc::not_found);
  region.data()[0] = std::byte{7};  // still attached, still usable
  auto again = sysv_shared_memory::create(name, 64);
  EXPECT_NE(again.id(), region.id());
  EXPECT_EQ(again.data()[0], std::byte{0});
}

TEST(sysv_shared_memory, bad_input_is_refused_naming_the_problem) {
  XIPC_REQUIRE_SYSV_SHM();
  std::error_code ec;
  sysv_shared_memory::create("frames", 0, ec);
  EXPECT_EQ(ec, errc::invalid_argument);
  sysv_shared_memory::create("a/b", 64, ec);
  EXPECT_EQ(ec, errc::invalid_name);
  EXPECT_NE(sysv_shared_memory::key_of("frames"), sysv_shared_memory::key_of("frames2"));
  EXPECT_GT(sysv_shared_memory::key_of("frames"), 0) << "never IPC_PRIVATE";
}

TEST(sysv_shared_memory, a_mode_wider_than_asked_is_not_trusted) {
  XIPC_REQUIRE_SYSV_SHM();
  segment_names names;
  const std::string name = names.make("wide");
  auto region = sysv_shared_memory::create(name, 64, {xipc::permissions::everyone()});
  std::error_code ec;
  sysv_shared_memory::open(name, access::read_write, ec);
  EXPECT_EQ(ec, errc::permission_denied);
  EXPECT_TRUE(sysv_shared_memory::open(name, access::read_write, {xipc::permissions::everyone()}).is_open());
}

#if XIPC_HAS_SYSV_SHM
TEST(sysv_shared_memory, a_segment_that_is_not_the_names_is_neither_opened_nor_removed) {
  segment_names names;
  const std::string name = names.make("squatted");
  // Another program's segment at the name's key: no trailer.
  const int squatter = ::shmget(sysv_shared_memory::key_of(name), 8192, IPC_CREAT | IPC_EXCL | 0600);
  ASSERT_GE(squatter, 0);
  std::error_code ec;
  sysv_shared_memory::open(name, access::read_write, ec);
  EXPECT_EQ(ec, errc::corrupted);
  sysv_shared_memory::remove(name, ec);
  EXPECT_EQ(ec, errc::corrupted);
  EXPECT_EQ(::shmget(sysv_shared_memory::key_of(name), 0, 0), squatter) << "still there";
  try {
    sysv_shared_memory::open(name);
    ADD_FAILURE() << "opened a squatter's segment";
  } catch (const std::system_error& error) {
    EXPECT_NE(std::string(error.what()).find("no xipc trailer"), std::string::npos) << error.what();
  }
}

TEST(sysv_shared_memory, a_damaged_trailer_is_corrupted) {
  segment_names names;
  const std::string name = names.make("damaged");
  const std::string other = names.make("other");
  auto region = sysv_shared_memory::create(name, 100);
  // The trailer follows the region at its size rounded up to 64: size, then the name.
  std::byte* trailer = region.data() + 128;
  std::uint64_t size = 0;
  std::memcpy(&size, trailer + 8, sizeof size);
  ASSERT_EQ(size, 100u);
  const std::uint64_t wrong = 1u << 20;
  std::memcpy(trailer + 8, &wrong, sizeof wrong);
  std::error_code ec;
  sysv_shared_memory::open(name, access::read_write, ec);
  EXPECT_EQ(ec, errc::corrupted) << "a size that does not fit the segment";
  std::memcpy(trailer + 8, &size, sizeof size);
  EXPECT_TRUE(sysv_shared_memory::open(name).is_open()) << "repaired";
  // Another name in the trailer: the keys of two names collide.
  const auto other_bytes = static_cast<std::uint32_t>(other.size());
  std::memcpy(trailer + 20, &other_bytes, sizeof other_bytes);
  std::memcpy(trailer + 24, other.data(), other.size());
  sysv_shared_memory::open(name, access::read_write, ec);
  EXPECT_EQ(ec, errc::corrupted);
  sysv_shared_memory::remove(name, ec);
  EXPECT_EQ(ec, errc::corrupted) << "not this name's segment: removed by hand below";
}
#endif

}  // namespace
