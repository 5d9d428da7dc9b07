#include <xipc/permissions.hpp>

#include <gtest/gtest.h>
#include <xipc/detail/config.hpp>
#include <xipc/mailbox.hpp>
#include <xipc/ring_channel.hpp>
#include <xipc/shared_memory.hpp>

#include <cstdlib>
#include <string>

#include "support/object_names.hpp"
#include "support/peer_process.hpp"
#include "support/raw_region.hpp"

#if XIPC_OS_POSIX
#include <unistd.h>
#endif

namespace {

using xipc::errc;
using xipc::mailbox;
using xipc::mailbox_backend;
using xipc::permissions;
using xipc::ring_channel;
using xipc::shared_memory;

// The user a squatter runs as in the tests that need root.
constexpr std::uint32_t stranger_uid = 65534;

TEST(permissions, default_is_owner_only) {
  EXPECT_EQ(xipc::permissions{}, xipc::permissions::owner_only());
  EXPECT_EQ(xipc::permissions{}.bits, 0600u);
  EXPECT_EQ(xipc::permissions::owner_and_group().bits, 0660u);
  EXPECT_EQ(xipc::permissions::everyone().bits, 0666u);
  EXPECT_FALSE(xipc::permissions{}.trusted_uid);
  EXPECT_EQ(xipc::permissions::everyone().trusting(7).trusted_uid, 7u);
  EXPECT_EQ(xipc::permissions::everyone().trusting(7).bits, 0666u);
}

// Removes whatever a test made under its names, of every kind.
struct every_kind_names : xipc::test::object_names {
  every_kind_names()
      : object_names([](const std::string& name) {
          std::error_code ignored;
          shared_memory::remove(name, ignored);
          ring_channel::remove(name, ignored);
          mailbox::remove(name, ignored);
        }) {}
};

// Makes an object of `kind` as `uid` with mode 0666: a squatter who was first.
XIPC_TEST_ROLE(squat) {
  const std::string kind = args[0];
  const std::string name = args[1];
#if XIPC_OS_POSIX
  const auto uid = static_cast<uid_t>(std::stoul(args[2]));
  if (uid != ::geteuid() && (::setgid(uid) != 0 || ::setuid(uid) != 0)) return 3;
#endif
  const auto everyone = permissions::everyone();
  if (kind == "shared_memory") {
    shared_memory::create(name, 4096, {everyone});
  } else if (kind == "ring") {
    ring_channel::sender::open_or_create(name, {.capacity_bytes = 4096}, {}, {everyone});
  } else {
    mailbox::create(name, {.capacity = 4, .max_message_bytes = 64,
                           .backend = static_cast<mailbox_backend>(std::stoul(kind)), .perms = everyone});
  }
  return 0;
}

bool says(const std::system_error& error, const std::string& text) {
  return std::string(error.what()).find(text) != std::string::npos;
}

// Runs `open` and expects it refused as permission_denied, naming the owner and the mode.
template <class Open>
void expect_refused(Open&& open, std::uint32_t owner, const char* mode) {
  try {
    open();
    ADD_FAILURE() << "an untrusted object was opened";
  } catch (const std::system_error& error) {
    EXPECT_EQ(error.code(), errc::permission_denied) << error.what();
    EXPECT_TRUE(says(error, "owned by uid " + std::to_string(owner))) << error.what();
    EXPECT_TRUE(says(error, mode)) << error.what();
  }
}

// The squatter's object, created as `uid`, is refused by every open unless
// its owner and mode are named; then it opens.
[[maybe_unused]] void squatted_then_refused(const std::string& kind, std::uint32_t uid) {
  every_kind_names names;
  const std::string name = names.make("squat");
  ASSERT_EQ(xipc::test::peer_process::start("squat", {kind, name, std::to_string(uid)}).wait(), 0);
  const auto trusting = permissions::everyone().trusting(uid);
  if (kind == "shared_memory") {
    expect_refused([&] { shared_memory::open(name); }, uid, "mode 0666");
    expect_refused([&] { shared_memory::open_or_create(name, 4096); }, uid, "mode 0666");
    EXPECT_TRUE(shared_memory::open(name, xipc::access::read_write, {trusting}).is_open());
  } else if (kind == "ring") {
    expect_refused([&] { ring_channel::sender::open_or_create(name, {.capacity_bytes = 4096}); }, uid, "mode 0666");
    expect_refused([&] { ring_channel::receiver::open(name); }, uid, "mode 0666");
    EXPECT_NO_THROW(ring_channel::receiver::open(name, {}, {trusting}));
  } else {
    const xipc::mailbox_options options{.capacity = 4, .max_message_bytes = 64,
                                        .backend = static_cast<mailbox_backend>(std::stoul(kind))};
    expect_refused([&] { mailbox::open(name); }, uid, "mode 0666");
    expect_refused([&] { mailbox::open_or_create(name, options); }, uid, "mode 0666");
    auto trusted = mailbox::open(name, trusting);
    EXPECT_EQ(trusted.options().perms.bits, 0666u);
  }
}

std::string kind_label(const ::testing::TestParamInfo<std::string>& kind) {
  if (kind.param == "1") return "mailbox_shm";
  if (kind.param == "2") return "mailbox_posix_mq";
  if (kind.param == "3") return "mailbox_sysv";
  return kind.param;
}

#if XIPC_OS_POSIX
class squatting : public ::testing::TestWithParam<std::string> {};

TEST_P(squatting, another_users_object_under_the_name_is_refused) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to start a squatter as another user (uid 65534)";
  squatted_then_refused(GetParam(), stranger_uid);
}

INSTANTIATE_TEST_SUITE_P(kinds, squatting, ::testing::Values("shared_memory", "ring", "1", "2", "3"),
                         kind_label);
#endif

class wider_mode : public ::testing::TestWithParam<std::string> {};

// The caller's own object with a wider mode than asked for: someone else may
// have written into it, so it is refused the same way.
TEST_P(wider_mode, the_callers_own_object_with_a_wider_mode_is_refused) {
  if (GetParam() == "2" || GetParam() == "3") {
    if (!xipc::mailbox_backend_available(static_cast<mailbox_backend>(std::stoul(GetParam())))) {
      GTEST_SKIP() << "no such mailbox backend in this build";
    }
  }
#if XIPC_OS_WINDOWS
  GTEST_SKIP() << "Windows has no mode bits; the DACL case is windows_dacl (docs/windows.md)";
#else
  squatted_then_refused(GetParam(), static_cast<std::uint32_t>(::geteuid()));
#endif
}

INSTANTIATE_TEST_SUITE_P(kinds, wider_mode, ::testing::Values("shared_memory", "ring", "1", "2", "3"),
                         kind_label);

TEST(permissions, a_region_whose_acl_lets_others_in_is_trusted_only_when_asked_for) {
  every_kind_names names;
  const std::string name = names.make("acl");
  auto squatted = xipc::test::raw_region::create(xipc::name_kind::shared_memory, name, 4096, 0666);
  try {
    shared_memory::open(name);
    ADD_FAILURE() << "opened";
  } catch (const std::system_error& error) {
    EXPECT_EQ(error.code(), errc::permission_denied) << error.what();
#if XIPC_OS_WINDOWS
    EXPECT_TRUE(says(error, "S-1-1-0")) << "Everyone, by its SID: " << error.what();
#else
    EXPECT_TRUE(says(error, "mode 0666")) << error.what();
#endif
  }
  EXPECT_TRUE(shared_memory::open(name, xipc::access::read_write, {permissions::everyone()}).is_open());
}

TEST(permissions, mailbox_open_or_create_matches_the_mode_exactly) {
  every_kind_names names;
  const std::string name = names.make("exact");
  auto owner = mailbox::create(name, {.capacity = 4, .max_message_bytes = 64});
  std::error_code ec;
  mailbox::open_or_create(name, {.capacity = 4, .max_message_bytes = 64, .perms = permissions::everyone()}, ec);
#if XIPC_OS_WINDOWS
  EXPECT_FALSE(ec) << "Windows has no mode bits to compare: " << ec.message();
#else
  EXPECT_EQ(ec, errc::invalid_argument) << "an 0600 mailbox is not the 0666 one asked for";
#endif
  EXPECT_TRUE(mailbox::open_or_create(name, {.capacity = 4, .max_message_bytes = 64}).is_open());
}

TEST(permissions, a_name_of_one_kind_never_reaches_another_kinds_object) {
  every_kind_names names;
  const std::string name = names.make("kinds");
  auto box = mailbox::create(name, {.capacity = 4, .max_message_bytes = 64});
  auto ring = ring_channel::sender::open_or_create(name, {.capacity_bytes = 4096});
  std::error_code ec;
  shared_memory::open("mbox." + name, xipc::access::read_only, ec);
  EXPECT_EQ(ec, errc::not_found) << "shared memory \"mbox.<name>\" is not the mailbox's control region";
  shared_memory::open(name, xipc::access::read_only, ec);
  EXPECT_EQ(ec, errc::not_found) << "shared memory <name> is not the ring's region";
  EXPECT_FALSE(shared_memory::remove("mbox." + name));
  EXPECT_FALSE(shared_memory::remove(name));
  EXPECT_TRUE(mailbox::open(name).is_open()) << "the mailbox is still there";
  EXPECT_NO_THROW(ring_channel::receiver::open(name));
}

}  // namespace
