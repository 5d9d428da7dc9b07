#include <xipc/shared_memory.hpp>

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <xipc/detail/config.hpp>
#include <xipc/name.hpp>

#include <array>
#include <cstdlib>
#include <string>

#include "support/bytes.hpp"
#include "support/object_names.hpp"
#include "support/peer_process.hpp"

namespace {

using xipc::access;
using xipc::errc;
using xipc::shared_memory;

class shared_memory_test : public ::testing::Test {
 protected:
  xipc::test::object_names names{[](const std::string& name) {
    std::error_code ignored;
    shared_memory::remove(name, ignored);
  }};
};

// The message of the system_error that `call` throws, or a failure when it throws none.
template <class Call>
std::string thrown_message(Call&& call, errc expected) {
  try {
    call();
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code(), expected) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no exception";
  return {};
}

bool has(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

TEST_F(shared_memory_test, create_gives_a_zero_filled_writable_region) {
  const auto name = names.make("");
  auto region = shared_memory::create(name, 10000);
  EXPECT_EQ(region.name(), name);
  EXPECT_EQ(region.size(), 10000u);
  EXPECT_TRUE(region.writable());
  EXPECT_NE(region.native_handle(), xipc::invalid_native_handle);
  ASSERT_NE(region.data(), nullptr);
  for (std::size_t i = 0; i < region.size(); ++i) ASSERT_EQ(region.data()[i], std::byte{0}) << i;
}

TEST_F(shared_memory_test, a_second_mapping_sees_the_first_ones_writes) {
  const auto name = names.make("");
  auto writer = shared_memory::create(name, 4096);
  auto reader = shared_memory::open(name, access::read_only);
  EXPECT_FALSE(reader.writable());
  EXPECT_EQ(reader.size(), 4096u);
  xipc::test::fill_pattern({writer.data(), writer.size()}, 7);
  EXPECT_EQ(xipc::test::first_mismatch({reader.data(), reader.size()}, 7), reader.size());
}

TEST_F(shared_memory_test, checked_read_and_write_copy_bytes) {
  const auto name = names.make("");
  auto region = shared_memory::create(name, 64);
  const auto hello = xipc::test::to_bytes("Hello");
  ASSERT_FALSE(region.write(59, hello));
  std::array<std::byte, 5> back{};
  ASSERT_FALSE(region.read(59, back));
  EXPECT_TRUE(std::equal(back.begin(), back.end(), hello.begin()));
}

TEST_F(shared_memory_test, checked_access_past_the_end_is_out_of_range_and_writes_nothing) {
  const auto name = names.make("");
  auto region = shared_memory::create(name, 64);
  const auto hello = xipc::test::to_bytes("Hello");
  EXPECT_EQ(region.write(60, hello), errc::out_of_range);
  EXPECT_EQ(region.write(static_cast<std::size_t>(-2), hello), errc::out_of_range) << "offset + size must not wrap";
  for (std::size_t i = 0; i < region.size(); ++i) ASSERT_EQ(region.data()[i], std::byte{0}) << i;
  std::array<std::byte, 8> back{};
  EXPECT_EQ(region.read(57, back), errc::out_of_range);
  EXPECT_EQ(region.read(65, std::span<std::byte>{}), errc::out_of_range);
  EXPECT_FALSE(region.read(64, std::span<std::byte>{}));
}

TEST_F(shared_memory_test, writing_a_read_only_mapping_through_the_api_is_refused) {
  const auto name = names.make("");
  auto owner = shared_memory::create(name, 64);
  auto viewer = shared_memory::open(name, access::read_only);
  EXPECT_EQ(viewer.write(0, xipc::test::to_bytes("x")), errc::permission_denied);
  EXPECT_EQ(owner.data()[0], std::byte{0});
}

TEST_F(shared_memory_test, creating_an_existing_object_names_it_and_the_call) {
  const auto name = names.make("");
  auto first = shared_memory::create(name, 64);
  const auto what = thrown_message([&] { shared_memory::create(name, 64); }, errc::already_exists);
  EXPECT_TRUE(has(what, "xipc::shared_memory \"" + name + "\"")) << what;
#if XIPC_OS_WINDOWS
  EXPECT_TRUE(has(what, "CreateFileMappingW(\"Local\\xipc." + name + "\"")) << what;
  EXPECT_TRUE(has(what, "error 183")) << what;  // ERROR_ALREADY_EXISTS
#else
  EXPECT_TRUE(has(what, "shm_open(\"/xipc." + name + "\")")) << what;
  EXPECT_TRUE(has(what, "errno 17")) << what;
#endif
}

TEST_F(shared_memory_test, a_setup_error_says_its_reason_once) {
  const auto name = names.make("");
  auto region = shared_memory::create(name, 64);
  const auto what = thrown_message([&] { shared_memory::create(name, 64); }, errc::already_exists);
  const std::string reason = xipc::make_error_code(errc::already_exists).message();
  const auto first = what.find(reason);
  ASSERT_NE(first, std::string::npos) << what;
  EXPECT_EQ(what.find(reason, first + 1), std::string::npos) << "the reason is repeated: " << what;
  EXPECT_NE(what.back(), ':') << what;
}

TEST_F(shared_memory_test, opening_a_missing_object_is_not_found) {
  const auto name = names.make("");
  const auto what = thrown_message([&] { shared_memory::open(name); }, errc::not_found);
  EXPECT_TRUE(has(what, name)) << what;
  std::error_code ec;
  const auto region = shared_memory::open(name, access::read_write, ec);
  EXPECT_EQ(ec, errc::not_found);
  EXPECT_FALSE(region.is_open());
  EXPECT_EQ(region.data(), nullptr);
}

TEST_F(shared_memory_test, size_zero_is_an_invalid_argument_and_creates_nothing) {
  const auto name = names.make("");
  const auto what = thrown_message([&] { shared_memory::create(name, 0); }, errc::invalid_argument);
  EXPECT_TRUE(has(what, "at least 1 byte")) << what;
  std::error_code ec;
  shared_memory::open(name, access::read_only, ec);
  EXPECT_EQ(ec, errc::not_found);
}

TEST_F(shared_memory_test, a_bad_name_is_refused_saying_what_is_allowed) {
  const auto long_name = std::string(xipc::max_name_bytes + 1, 'x');
  auto what = thrown_message([&] { shared_memory::create(long_name, 64); }, errc::invalid_name);
  EXPECT_TRUE(has(what, "101 characters")) << what;
  what = thrown_message([&] { shared_memory::open("../etc/passwd"); }, errc::invalid_name);
  EXPECT_TRUE(has(what, "A-Z a-z 0-9")) << what;
  std::error_code ec;
  EXPECT_FALSE(shared_memory::remove("a/b", ec));
  EXPECT_EQ(ec, errc::invalid_name);
}

TEST_F(shared_memory_test, error_code_overloads_report_without_throwing) {
  const auto name = names.make("");
  std::error_code ec;
  auto region = shared_memory::create(name, 128, ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(region.size(), 128u);
  shared_memory::create(name, 128, ec);
  EXPECT_EQ(ec, errc::already_exists);
  shared_memory::create(name + "x", 0, ec);
  EXPECT_EQ(ec, errc::invalid_argument);
}

TEST_F(shared_memory_test, open_or_create_creates_then_opens) {
  const auto name = names.make("");
  // Whole pages: a Windows section may be reported rounded up to one (docs/windows.md).
  auto first = shared_memory::open_or_create(name, 8192);
  xipc::test::fill_pattern({first.data(), first.size()}, 3);
  auto second = shared_memory::open_or_create(name, 100);
  EXPECT_EQ(second.size(), 8192u) << "an existing, larger object is mapped whole";
  EXPECT_EQ(xipc::test::first_mismatch({second.data(), second.size()}, 3), second.size());
}

TEST_F(shared_memory_test, open_or_create_refuses_an_existing_smaller_object) {
  const auto name = names.make("");
  auto small = shared_memory::create(name, 4096);
  const auto what = thrown_message([&] { shared_memory::open_or_create(name, 8192); }, errc::invalid_argument);
  EXPECT_TRUE(has(what, "4096 bytes")) << what;
  EXPECT_TRUE(has(what, "8192")) << what;
}

#if XIPC_OS_WINDOWS
// A Windows section has no name to unlink: it lives while any handle is open.
TEST_F(shared_memory_test, remove_says_whether_the_section_is_still_held_open) {
  const auto name = names.make("");
  {
    auto region = shared_memory::create(name, 64);
    EXPECT_TRUE(shared_memory::remove(name));
    EXPECT_TRUE(shared_memory::remove(name)) << "nothing was removed: the creator still holds it";
    EXPECT_TRUE(shared_memory::open(name, access::read_only).is_open());
  }
  EXPECT_FALSE(shared_memory::remove(name)) << "the last handle closed, and the section went with it";
  std::error_code ec;
  shared_memory::open(name, access::read_only, ec);
  EXPECT_EQ(ec, errc::not_found);
}
#else
TEST_F(shared_memory_test, remove_says_whether_the_object_existed) {
  const auto name = names.make("");
  auto region = shared_memory::create(name, 64);
  EXPECT_TRUE(shared_memory::remove(name));
  EXPECT_FALSE(shared_memory::remove(name));
  // An existing mapping outlives the name.
  region.data()[63] = std::byte{5};
  EXPECT_EQ(region.data()[63], std::byte{5});
  std::error_code ec;
  shared_memory::open(name, access::read_only, ec);
  EXPECT_EQ(ec, errc::not_found);
}
#endif

TEST_F(shared_memory_test, moving_transfers_the_mapping) {
  const auto name = names.make("");
  auto a = shared_memory::create(name, 64);
  std::byte* const data = a.data();
  shared_memory b = std::move(a);
  EXPECT_EQ(b.data(), data);
  EXPECT_EQ(b.name(), name);
  EXPECT_FALSE(a.is_open());  // NOLINT(bugprone-use-after-move): a moved-from region is empty
  EXPECT_EQ(a.size(), 0u);
  a = std::move(b);
  EXPECT_EQ(a.data(), data);
  static_assert(!std::is_copy_constructible_v<shared_memory>);
  static_assert(!std::is_copy_assignable_v<shared_memory>);
}

#if XIPC_OS_LINUX
// Linux shows POSIX shared memory as files in /dev/shm, so the mode can be checked.
mode_t mode_of(const std::string& name) {
  struct stat info {};
  EXPECT_EQ(::stat(("/dev/shm/xipc." + name).c_str(), &info), 0);
  return info.st_mode & 0777;
}

TEST_F(shared_memory_test, permissions_default_to_owner_only_whatever_the_umask) {
  const auto name = names.make("");
  const mode_t old_umask = ::umask(0);
  auto region = shared_memory::create(name, 64);
  ::umask(old_umask);
  EXPECT_EQ(mode_of(name), 0600u);
}

TEST_F(shared_memory_test, permissions_can_be_widened_despite_the_umask) {
  const auto name = names.make("");
  const mode_t old_umask = ::umask(077);
  auto region = shared_memory::create(name, 64, {.perms = xipc::permissions::owner_and_group()});
  ::umask(old_umask);
  EXPECT_EQ(mode_of(name), 0660u);
}
#else
TEST_F(shared_memory_test, permissions_default_to_owner_only_whatever_the_umask) {
  GTEST_SKIP() << "the mode of a shared-memory object is visible as a file only on Linux (/dev/shm)";
}
#endif

// Peer roles: the test binary re-run as another process.
XIPC_TEST_ROLE(shm_write_pattern) {
  // args: name size seed; creates the object, or opens it where it exists
  if (args.size() != 3) return 2;
  auto region = shared_memory::open_or_create(args[0], std::strtoull(args[1], nullptr, 10));
  xipc::test::fill_pattern({region.data(), region.size()}, std::strtoull(args[2], nullptr, 10));
  return 0;
}

XIPC_TEST_ROLE(shm_check_pattern) {
  // args: name seed; exit 0 when the whole region holds the pattern, 1 when not
  if (args.size() != 2) return 2;
  auto region = shared_memory::open(args[0], access::read_only);
  const auto seed = std::strtoull(args[1], nullptr, 10);
  return xipc::test::first_mismatch({region.data(), region.size()}, seed) == region.size() ? 0 : 1;
}

TEST_F(shared_memory_test, another_process_writes_and_this_one_reads) {
  const auto name = names.make("");
#if XIPC_OS_WINDOWS
  // The section must outlive the writer: this process holds it open.
  auto keep = shared_memory::create(name, 1048576);
#endif
  auto writer = xipc::test::peer_process::start("shm_write_pattern", {name, "1048576", "99"});
  ASSERT_EQ(writer.wait(), 0);
  auto region = shared_memory::open(name, access::read_only);
  ASSERT_EQ(region.size(), 1048576u);
  EXPECT_EQ(xipc::test::first_mismatch({region.data(), region.size()}, 99), region.size());
}

TEST_F(shared_memory_test, this_process_writes_and_another_one_reads) {
  const auto name = names.make("");
  auto region = shared_memory::create(name, 65536);
  xipc::test::fill_pattern({region.data(), region.size()}, 5);
  EXPECT_EQ(xipc::test::peer_process::start("shm_check_pattern", {name, "5"}).wait(), 0);
  region.data()[1000] ^= std::byte{1};
  EXPECT_EQ(xipc::test::peer_process::start("shm_check_pattern", {name, "5"}).wait(), 1)
      << "the reader must notice a changed byte, or the check above proves nothing";
}

#if XIPC_OS_WINDOWS
TEST_F(shared_memory_test, a_section_goes_with_the_last_process_that_held_it) {
  const auto name = names.make("");
  ASSERT_EQ(xipc::test::peer_process::start("shm_write_pattern", {name, "4096", "1"}).wait(), 0);
  std::error_code ec;
  shared_memory::open(name, access::read_only, ec);
  EXPECT_EQ(ec, errc::not_found) << "unlike a POSIX object, which stays until remove()";
}
#endif

}  // namespace
