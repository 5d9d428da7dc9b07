#include <xipc/name.hpp>

#include <gtest/gtest.h>
#include <xipc/detail/config.hpp>
#include <xipc/error.hpp>

#include <string>

namespace {

using xipc::name_kind;
using xipc::target_os;

std::string why_rejected(std::string_view name) {
  std::string why;
  const auto ec = xipc::validate_name(name, &why);
  EXPECT_EQ(ec, xipc::errc::invalid_name) << name;
  return why;
}

TEST(name, accepts_every_portable_character) {
  EXPECT_FALSE(xipc::validate_name("abcxyzABCXYZ0189._-"));
  EXPECT_FALSE(xipc::validate_name("a"));
  EXPECT_FALSE(xipc::validate_name(std::string(xipc::max_name_bytes, 'n')));
}

TEST(name, rejects_empty_and_overlong_names_saying_what_is_allowed) {
  EXPECT_NE(why_rejected("").find("empty"), std::string::npos);
  const std::string why = why_rejected(std::string(xipc::max_name_bytes + 1, 'n'));
  EXPECT_NE(why.find("101 characters"), std::string::npos) << why;
  EXPECT_NE(why.find("A-Z a-z 0-9 . _ -"), std::string::npos) << why;
}

TEST(name, rejects_characters_outside_the_portable_set_by_position) {
  const std::string why = why_rejected("ab/cd");
  EXPECT_NE(why.find("0x2f at position 2"), std::string::npos) << why;
  for (const std::string_view bad : std::initializer_list<std::string_view>{"a b", "a\\b", "a:b", "\xc3\xa9t\xc3\xa9", "tab\t", std::string_view("nul\0x", 5)}) {
    why_rejected(bad);
  }
}

TEST(name, rejects_dot_and_dot_dot) {
  EXPECT_NE(why_rejected(".").find("reserved"), std::string::npos);
  why_rejected("..");
  EXPECT_FALSE(xipc::validate_name("..."));
  EXPECT_FALSE(xipc::validate_name(".hidden"));
}

TEST(name, maps_to_each_os_namespace) {
  EXPECT_EQ(xipc::os_name(name_kind::shared_memory, "jobs", target_os::posix), "/xipc.jobs");
  EXPECT_EQ(xipc::os_name(name_kind::mailbox, "jobs", target_os::posix), "/xipc:mbox.jobs");
  EXPECT_EQ(xipc::os_name(name_kind::ring, "jobs", target_os::posix), "/xipc:ring.jobs");
  EXPECT_EQ(xipc::os_name(name_kind::mailbox, "jobs", target_os::windows), "Local\\xipc:mbox.jobs");
  EXPECT_EQ(xipc::os_name(name_kind::mailbox, "jobs", target_os::macos), "/xipc:mbox.jobs");
  EXPECT_EQ(xipc::os_name(name_kind::shared_memory, "jobs", target_os::windows), "Local\\xipc.jobs");
  EXPECT_EQ(xipc::os_name(name_kind::shared_memory, "jobs", target_os::macos), "/xipc.jobs");
  EXPECT_EQ(xipc::os_name(name_kind::semaphore, "jobs", target_os::posix), "/xipc:sem.jobs");
  EXPECT_EQ(xipc::os_name(name_kind::mutex, "jobs", target_os::windows), "Local\\xipc:mtx.jobs");
  EXPECT_EQ(xipc::os_name(name_kind::condition, "jobs", target_os::windows), "Local\\xipc:cnd.jobs");
  EXPECT_EQ(xipc::os_name(name_kind::named_pipe, "jobs", target_os::posix), "jobs.sock");
  EXPECT_EQ(xipc::os_name(name_kind::named_pipe, "jobs", target_os::windows), "\\\\.\\pipe\\xipc.jobs");
  EXPECT_EQ(xipc::os_name(name_kind::port, "jobs", target_os::macos), "port:jobs.sock");
  EXPECT_EQ(xipc::os_name(name_kind::port, "jobs", target_os::windows), "\\\\.\\pipe\\xipc:port.jobs");
}

TEST(name, no_name_of_one_kind_reaches_another_kinds_object) {
  const name_kind kinds[] = {name_kind::shared_memory, name_kind::mailbox, name_kind::ring, name_kind::named_pipe,
                             name_kind::port,          name_kind::semaphore, name_kind::mutex,
                             name_kind::condition, name_kind::broadcast};
  // Names that spell another kind's prefix or suffix inside them.
  const std::string names[] = {"jobs", "mbox.jobs", "ring.jobs", "xipc.jobs", "mbox", "ring.mbox.jobs",
                               "port.jobs", "jobs.sock", "port", "sem.jobs", "mtx.jobs", "cnd.jobs", "bcst.jobs"};
  for (const auto os : {target_os::posix, target_os::macos, target_os::windows}) {
    for (const auto kind : kinds) {
      for (const auto other : kinds) {
        if (kind == other) continue;
        for (const auto& a : names) {
          for (const auto& b : names) {
            EXPECT_NE(xipc::os_name(kind, a, os), xipc::os_name(other, b, os)) << a << " and " << b;
          }
        }
      }
    }
  }
}

TEST(name, long_names_are_hashed_to_fit_macos) {
  const std::string a(60, 'a');
  // Not std::string(59, 'a') + "b": g++ 12 at -O1 with ThreadSanitizer warns
  // falsely (-Warray-bounds) about the moved string's copy.
  std::string b(59, 'a');
  b.push_back('b');
  const std::string mapped_a = xipc::os_name(name_kind::shared_memory, a, target_os::macos);
  const std::string mapped_b = xipc::os_name(name_kind::shared_memory, b, target_os::macos);
  EXPECT_LE(mapped_a.size(), 31u);
  EXPECT_TRUE(mapped_a.starts_with("/xipc.aaaaaaaa.")) << mapped_a;
  EXPECT_NE(mapped_a, mapped_b);
  EXPECT_EQ(mapped_a, xipc::os_name(name_kind::shared_memory, a, target_os::macos));
  // The longest name that still fits is kept as it is: "/xipc." + 25 characters.
  const std::string fits(25, 'f');
  EXPECT_EQ(xipc::os_name(name_kind::shared_memory, fits, target_os::macos), "/xipc." + fits);
  EXPECT_NE(xipc::os_name(name_kind::shared_memory, fits + "f", target_os::macos), "/xipc." + fits + "f");
  const std::string mailbox_a = xipc::os_name(name_kind::mailbox, a, target_os::macos);
  EXPECT_LE(mailbox_a.size(), 31u);
  EXPECT_TRUE(mailbox_a.starts_with("/xipc:mbox.")) << mailbox_a;
  EXPECT_NE(mailbox_a, xipc::os_name(name_kind::mailbox, b, target_os::macos));
}

TEST(name, current_os_is_the_build_target) {
#if XIPC_OS_WINDOWS
  EXPECT_EQ(xipc::current_os(), target_os::windows);
#elif XIPC_OS_MACOS
  EXPECT_EQ(xipc::current_os(), target_os::macos);
#else
  EXPECT_EQ(xipc::current_os(), target_os::posix);
#endif
}

}  // namespace
