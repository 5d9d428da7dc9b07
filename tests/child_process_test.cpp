#include <xipc/child_process.hpp>

#include <gtest/gtest.h>
#include <xipc/detail/config.hpp>

#if XIPC_OS_WINDOWS
#include <windows.h>
#else
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>
#endif

#include <cstdio>
#include <cstdlib>
#include <thread>
#include <string>
#include <vector>
#include <xipc/io.hpp>

#include "support/bytes.hpp"
#include "support/handles.hpp"
#include "support/peer_process.hpp"

namespace {

using namespace std::chrono_literals;
using xipc::child_process;
using xipc::errc;
using xipc::stdio;

child_process spawn_role(const std::string& role, std::vector<std::string> args, xipc::spawn_options options) {
  std::vector<std::string> all{"--xipc-role", role};
  all.insert(all.end(), args.begin(), args.end());
  return child_process::spawn(xipc::test::test_binary_path(), all, options);
}

std::string read_all(xipc::pipe_reader& reader) {
  std::string text;
  std::array<std::byte, 256> buffer{};
  for (;;) {
    const auto got = reader.read_some(buffer, 10s);
    text.append(reinterpret_cast<const char*>(buffer.data()), got.bytes);
    if (got.error) return text;
  }
}

// Copies stdin to stdout until end of stream: the textbook's child.
XIPC_TEST_ROLE(echo_stdin) {
  static_cast<void>(args);
  char buffer[256];
  for (;;) {
    const long got = xipc::test::read_standard_input(buffer, sizeof buffer);
    if (got <= 0) return got == 0 ? 0 : 1;
    if (!xipc::test::write_standard_output(std::string_view(buffer, static_cast<std::size_t>(got)))) return 1;
  }
}

XIPC_TEST_ROLE(exit_with) { return args.empty() ? 2 : std::atoi(args[0]); }

XIPC_TEST_ROLE(hang) {
  static_cast<void>(args);
  for (;;) std::this_thread::sleep_for(1h);
}

#if XIPC_OS_WINDOWS
// Writes "open" or "closed" for the handle value in args[0].
XIPC_TEST_ROLE(check_handle) {
  if (args.size() != 1) return 2;
  const auto value = reinterpret_cast<xipc::native_handle_type>(std::strtoull(args[0], nullptr, 16));
  return xipc::test::write_standard_output(xipc::test::handle_is_open(value) ? "open" : "closed") ? 0 : 1;
}
#else
// Writes the numbers of its open descriptors to stdout, space-separated.
XIPC_TEST_ROLE(list_descriptors) {
  static_cast<void>(args);
  // macOS lists a process's descriptors in /dev/fd, Linux in /proc/self/fd.
  DIR* dir = ::opendir(XIPC_OS_LINUX ? "/proc/self/fd" : "/dev/fd");
  if (dir == nullptr) return 1;
  std::vector<int> listed;
  while (const dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] != '.') listed.push_back(std::atoi(entry->d_name));
  }
  ::closedir(dir);
  // The listing's own descriptor is closed now.
  std::string list;
  for (const int fd : listed) {
    if (::fcntl(fd, F_GETFD) != -1) list += std::to_string(fd) + " ";
  }
  return xipc::test::write_standard_output(list) ? 0 : 1;
}
#endif

TEST(child_process, greetings_through_a_pipe_to_the_child_and_back) {
  auto child = spawn_role("echo_stdin", {}, {.in = stdio::pipe(), .out = stdio::pipe()});
  EXPECT_GT(child.id(), 0);
  ASSERT_FALSE(xipc::write_all(child.in(), xipc::test::to_bytes("Greetings")).error);
  child.in().close();  // the child sees end of stream only once every write end is closed
  EXPECT_EQ(read_all(child.out()), "Greetings");
  xipc::exit_status status;
  ASSERT_FALSE(child.wait(status, 10s));
  EXPECT_TRUE(status.success());
}

TEST(child_process, the_exit_code_comes_back) {
  auto child = spawn_role("exit_with", {"7"}, {});
  xipc::exit_status status;
  ASSERT_FALSE(child.wait(status, 10s));
  EXPECT_FALSE(status.signaled);
  EXPECT_EQ(status.code, 7);
  EXPECT_FALSE(status.success());
  xipc::exit_status again;
  EXPECT_FALSE(child.wait(again, xipc::deadline::immediately())) << "the status stays known after the reaping";
  EXPECT_EQ(again.code, 7);
}

TEST(child_process, wait_takes_every_deadline_and_kill_ends_the_child) {
  auto child = spawn_role("hang", {}, {});
  xipc::exit_status status;
  EXPECT_EQ(child.wait(status, xipc::deadline::immediately()), errc::would_block);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(child.wait(status, 30ms), errc::timed_out);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 30ms);
  ASSERT_FALSE(child.kill());
  ASSERT_FALSE(child.wait(status, 10s));
#if XIPC_OS_WINDOWS
  EXPECT_FALSE(status.signaled) << "Windows has no signals";
  EXPECT_EQ(status.code, 137) << "TerminateProcess with 128 + 9, as a shell reports SIGKILL";
#else
  EXPECT_TRUE(status.signaled);
  EXPECT_EQ(status.signal, SIGKILL);
#endif
}

#if XIPC_OS_WINDOWS
TEST(child_process, the_child_gets_only_its_three_standard_streams) {
  // An inheritable handle, as careless code makes: the handle list keeps it out.
  SECURITY_ATTRIBUTES inheritable{sizeof(SECURITY_ATTRIBUTES), nullptr, TRUE};
  HANDLE stray = ::CreateEventW(&inheritable, TRUE, FALSE, nullptr);
  ASSERT_NE(stray, nullptr);
  char value[32];
  std::snprintf(value, sizeof value, "%llx", static_cast<unsigned long long>(reinterpret_cast<std::uintptr_t>(stray)));
  auto child = spawn_role("check_handle", {value}, {.out = stdio::pipe()});
  const std::string answer = read_all(child.out());
  ::CloseHandle(stray);
  EXPECT_EQ(answer, "closed");
  xipc::exit_status status;
  ASSERT_FALSE(child.wait(status, 10s));
  EXPECT_TRUE(status.success());
}
#else
TEST(child_process, the_child_gets_only_its_three_standard_streams) {
  // A descriptor opened without close-on-exec, as careless code does.
  const int stray = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(stray, 3);
  auto child = spawn_role("list_descriptors", {}, {.out = stdio::pipe()});
  const std::string list = read_all(child.out());
  ::close(stray);
  EXPECT_EQ(list, "0 1 2 ");
  xipc::exit_status status;
  ASSERT_FALSE(child.wait(status, 10s));
  EXPECT_TRUE(status.success());
}
#endif

TEST(child_process, null_streams_read_empty_and_swallow_writes) {
  auto child = spawn_role("echo_stdin", {}, {.in = stdio::null(), .out = stdio::null()});
  xipc::exit_status status;
  ASSERT_FALSE(child.wait(status, 10s));
  EXPECT_TRUE(status.success()) << "stdin gave end of stream at once";
}

TEST(child_process, a_handle_given_to_the_child_must_be_closed_by_the_parent_too) {
  auto [reader, writer] = xipc::make_pipe();
  auto child = spawn_role("echo_stdin", {}, {.in = stdio::null(), .out = stdio::from(writer.native_handle())});
  xipc::exit_status status;
  ASSERT_FALSE(child.wait(status, 10s));
  // The child is gone, but this process still holds a write end: no end of stream.
  std::array<std::byte, 8> buffer{};
  EXPECT_EQ(reader.read_some(buffer, 20ms).error, errc::timed_out);
  writer.close();  // the textbook's lesson
  EXPECT_EQ(reader.read_some(buffer, 1s).error, errc::end_of_stream);
}

TEST(child_process, a_missing_program_is_not_found_and_named) {
  try {
    child_process::spawn("/nonexistent/xipc-no-such-program");
    ADD_FAILURE() << "no exception";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code(), errc::not_found);
    EXPECT_NE(std::string(e.what()).find("/nonexistent/xipc-no-such-program"), std::string::npos) << e.what();
  }
  std::error_code ec;
  child_process::spawn("xipc-no-such-program-in-path", {}, {}, ec);
  EXPECT_EQ(ec, errc::not_found);
}

TEST(child_process, a_program_is_found_in_path) {
#if XIPC_OS_WINDOWS
  const std::vector<std::string> args{"/c", "echo found"};
  auto child = child_process::spawn("cmd", args, {.out = stdio::pipe()});
  EXPECT_EQ(read_all(child.out()), "found\r\n");
#else
  const std::vector<std::string> args{"-c", "echo found"};
  auto child = child_process::spawn("sh", args, {.out = stdio::pipe()});
  EXPECT_EQ(read_all(child.out()), "found\n");
#endif
  xipc::exit_status status;
  ASSERT_FALSE(child.wait(status, 10s));
  EXPECT_TRUE(status.success());
}

TEST(child_process, destroying_a_running_child_kills_and_reaps_it) {
  int id = -1;
  {
    auto child = spawn_role("hang", {}, {});
    id = child.id();
    ASSERT_TRUE(xipc::test::process_exists(id));
  }
  EXPECT_FALSE(xipc::test::process_exists(id)) << "neither running nor a zombie";
}

#if XIPC_HAS_PIDFD || XIPC_OS_WINDOWS
TEST(child_process, its_handle_becomes_readable_when_it_ends) {
  auto child = spawn_role("exit_with", {"0"}, {});
  ASSERT_NE(child.native_handle(), xipc::invalid_native_handle);
  EXPECT_TRUE(xipc::test::wait_until_ended(child.native_handle(), 10s));
}
#else
TEST(child_process, without_a_process_descriptor_wait_still_sees_the_end) {
  auto child = spawn_role("exit_with", {"3"}, {});
  EXPECT_EQ(child.native_handle(), xipc::invalid_native_handle) << "this OS gives no process descriptor";
  xipc::exit_status status;
  ASSERT_FALSE(child.wait(status, xipc::deadline::after(10s)));
  EXPECT_EQ(status.code, 3);
}
#endif

}  // namespace
