// The xipc command-line tool (tools/xipc) against live objects of every
// kind, a damaged one, one whose owner was killed, and names that do not
// exist. The tool runs as a child process, as a shell would run it.
#include <gtest/gtest.h>
#include <xipc/broadcast.hpp>
#include <xipc/io.hpp>
#include <xipc/mailbox.hpp>
#include <xipc/named_pipe.hpp>
#include <xipc/port.hpp>
#include <xipc/process_condition.hpp>
#include <xipc/process_mutex.hpp>
#include <xipc/ring_channel.hpp>
#include <xipc/semaphore.hpp>
#include <xipc/shared_memory.hpp>
#include <xipc/sysv_shared_memory.hpp>

#include <array>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "support/object_names.hpp"
#include "survey/object_survey.hpp"
#include "support/peer_process.hpp"

#if !defined(_WIN32)
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#endif

namespace {

using namespace std::chrono_literals;

struct tool_result {
  int status = -1;
  std::string out;
};

struct cli_names : xipc::test::object_names {
  cli_names()
      : object_names([](const std::string& name) {
          xipc::shared_memory::remove(name);
          xipc::ring_channel::remove(name);
          xipc::broadcast::remove(name);
          xipc::mailbox::remove(name);
          xipc::semaphore::remove(name);
          xipc::process_mutex::remove(name);
          xipc::process_condition::remove(name);
          std::error_code ignored;
          xipc::sysv_shared_memory::remove(name, ignored);
          xipc::detail::failure left;
          xipc::detail::remove_rendezvous(xipc::name_kind::named_pipe, name, left);
          xipc::detail::remove_rendezvous(xipc::name_kind::port, name, left);
        }) {}
};

#if defined(XIPC_TOOL_PATH) && !defined(_WIN32)
constexpr bool tool_runs_here = true;

// Runs `xipc <arguments>`; `out` gets its standard output, and its standard
// error too with `with_errors`.
tool_result run_tool(const std::string& arguments, bool with_errors = true) {
  const std::string command = std::string("\"") + XIPC_TOOL_PATH + "\" " + arguments + (with_errors ? " 2>&1" : " 2>/dev/null");
  tool_result result;
  std::FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> chunk{};
  std::size_t got = 0;
  while ((got = std::fread(chunk.data(), 1, chunk.size(), pipe)) > 0) result.out.append(chunk.data(), got);
  const int status = ::pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}
#else
constexpr bool tool_runs_here = false;
tool_result run_tool(const std::string&, bool = true) { return {}; }
#endif

#define SKIP_WITHOUT_TOOL()                                                                             \
  if (!tool_runs_here) GTEST_SKIP() << "the xipc tool is tested on POSIX builds with XIPC_BUILD_TOOLS"

// The line of `xipc ls --json` output that describes kind:name, or "".
std::string json_line(const std::string& listing, const std::string& kind, const std::string& name) {
  std::size_t start = 0;
  while (start < listing.size()) {
    const std::size_t end = listing.find('\n', start);
    const std::string line = listing.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (line.find("\"kind\": \"" + kind + "\", \"name\": \"" + name + "\"") != std::string::npos) return line;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return {};
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(xipc_tool, ls_shows_a_live_object_of_every_kind_with_its_header) {
  SKIP_WITHOUT_TOOL();
  cli_names names;
  const std::string name = names.make("every");
  auto memory = xipc::shared_memory::create(name, 4096);
  auto ring = xipc::ring_channel::sender::open_or_create(name, {.capacity_bytes = 1 << 16, .max_message_bytes = 256});
  auto box = xipc::mailbox::create(name, {.capacity = 4, .max_message_bytes = 64});
  ASSERT_FALSE(box.try_send(std::as_bytes(std::span("x", 1)), 2));
  auto sem = xipc::semaphore::create(name, 3);
  auto mutex = xipc::process_mutex::create(name);
  ASSERT_FALSE(mutex.lock());
  auto condition = xipc::process_condition::create(name);
  auto server = xipc::named_pipe_server::create(name);
  auto port_server = xipc::port_server::create(name);
  auto caster = xipc::broadcast::publisher::open_or_create(name, {.slot_count = 16, .max_message_bytes = 32});
  auto listener = xipc::broadcast::subscriber::open(name);
  ASSERT_FALSE(caster.try_send(std::as_bytes(std::span("x", 1))));
  std::error_code sysv_error;
  auto segment = xipc::sysv_shared_memory::create(name, 1000, sysv_error);

  const tool_result listed = run_tool("ls --json", false);
  ASSERT_EQ(listed.status, 0) << listed.out;
  const std::string ring_line = json_line(listed.out, "ring", name);
  EXPECT_TRUE(contains(ring_line, "\"capacity_bytes\": \"65536\"")) << ring_line;
  EXPECT_TRUE(contains(ring_line, "\"producer\": \"attached\"")) << ring_line;
  EXPECT_TRUE(contains(ring_line, "\"alive\": true")) << ring_line;
  EXPECT_TRUE(contains(ring_line, "\"state\": \"ok\"")) << ring_line;
  const std::string box_line = json_line(listed.out, "mailbox", name);
  EXPECT_TRUE(contains(box_line, "\"capacity\": \"4\"")) << box_line;
  EXPECT_TRUE(contains(box_line, "\"messages\": \"1\"")) << box_line;
  EXPECT_TRUE(contains(json_line(listed.out, "semaphore", name), "\"count\": \"3\"")) << listed.out;
  const std::string mutex_line = json_line(listed.out, "mutex", name);
  EXPECT_TRUE(contains(mutex_line, "\"locked\": \"yes\"")) << mutex_line;
  EXPECT_TRUE(contains(mutex_line, "\"role\": \"holder\"")) << mutex_line;
  EXPECT_TRUE(contains(json_line(listed.out, "condition", name), "\"sleepers\": \"0\"")) << listed.out;
  EXPECT_TRUE(contains(json_line(listed.out, "shared_memory", name), "\"bytes\": 4096")) << listed.out;
  EXPECT_TRUE(contains(json_line(listed.out, "named_pipe", name), "\"server\": \"listening\"")) << listed.out;
  EXPECT_TRUE(contains(json_line(listed.out, "port", name), "\"server\": \"listening\"")) << listed.out;
  const std::string cast_line = json_line(listed.out, "broadcast", name);
  EXPECT_TRUE(contains(cast_line, "\"slot_count\": \"16\"")) << cast_line;
  EXPECT_TRUE(contains(cast_line, "\"published\": \"1\"")) << cast_line;
  EXPECT_TRUE(contains(cast_line, "\"subscribers\": \"1\"")) << cast_line;
  EXPECT_TRUE(contains(cast_line, "\"role\": \"subscriber\"")) << cast_line;
  if (xipc::sysv_shared_memory::supported) {
    ASSERT_FALSE(sysv_error) << sysv_error.message();
    EXPECT_TRUE(contains(json_line(listed.out, "sysv_shared_memory", name), "\"bytes\": 1000")) << listed.out;
  }
  // The table says the same for people, without colour off a terminal.
  const tool_result table = run_tool("ls --kind ring");
  EXPECT_EQ(table.status, 0);
  EXPECT_TRUE(contains(table.out, name)) << table.out;
  EXPECT_FALSE(contains(table.out, "\x1b[")) << "no colour into a pipe";
  mutex.unlock();
}

TEST(xipc_tool, inspect_says_what_is_wrong_with_a_damaged_ring_and_exits_5) {
  SKIP_WITHOUT_TOOL();
#if !defined(_WIN32)
  cli_names names;
  const std::string name = names.make("damaged");
  { auto ring = xipc::ring_channel::sender::open_or_create(name); }
  // The magic number, overwritten from outside as a stray write would.
  const std::string path = xipc::os_name(xipc::name_kind::ring, name);
  const int fd = ::shm_open(path.c_str(), O_RDWR, 0);
  ASSERT_GE(fd, 0);
  const std::uint64_t garbage = 0x0123456789abcdefull;
  ASSERT_EQ(::pwrite(fd, &garbage, sizeof garbage, 0), static_cast<ssize_t>(sizeof garbage));
  ::close(fd);
  const tool_result inspected = run_tool("inspect ring:" + name);
  EXPECT_EQ(inspected.status, 5) << inspected.out;
  EXPECT_TRUE(contains(inspected.out, "damaged: bad magic number 0x0123456789abcdef")) << inspected.out;
  const tool_result listed = run_tool("ls --json", false);
  EXPECT_TRUE(contains(json_line(listed.out, "ring", name), "\"state\": \"damaged\"")) << listed.out;
  EXPECT_EQ(run_tool("gc --dry-run " + name).out, "") << "damaged is not stale: gc leaves it to a person";
#endif
}

TEST(xipc_tool, a_symbolic_link_squatting_a_name_is_reported_not_followed) {
  SKIP_WITHOUT_TOOL();
#if !defined(_WIN32)
  cli_names names;
  const std::string name = names.make("link");
  const std::string path = "/dev/shm/" + xipc::os_name(xipc::name_kind::ring, name).substr(1);
  ASSERT_EQ(::symlink("/etc/passwd", path.c_str()), 0);
  const tool_result inspected = run_tool("inspect ring:" + name);
  EXPECT_EQ(inspected.status, 5) << inspected.out;
  EXPECT_TRUE(contains(inspected.out, "a symbolic link, which xipc never follows")) << inspected.out;
  EXPECT_FALSE(contains(inspected.out, "root:")) << "nothing of the target is read";
  EXPECT_EQ(run_tool("rm ring:" + name).status, 0);
  EXPECT_EQ(::access("/etc/passwd", F_OK), 0) << "the link went, not its target";
  EXPECT_NE(::unlink(path.c_str()), 0);
#endif
}

TEST(xipc_tool, another_users_object_is_listed_with_all_and_its_header_is_not_read) {
  SKIP_WITHOUT_TOOL();
#if !defined(_WIN32)
  if (::geteuid() != 0) GTEST_SKIP() << "giving an object to another user needs root";
  cli_names names;
  const std::string name = names.make("foreign");
  { auto ring = xipc::ring_channel::sender::open_or_create(name); }
  const std::string path = "/dev/shm/" + xipc::os_name(xipc::name_kind::ring, name).substr(1);
  ASSERT_EQ(::chown(path.c_str(), 65534, 65534), 0);
  EXPECT_EQ(json_line(run_tool("ls --json", false).out, "ring", name), "") << "not this user's";
  const std::string line = json_line(run_tool("ls --json --all", false).out, "ring", name);
  EXPECT_TRUE(contains(line, "\"uid\": 65534")) << line;
  EXPECT_TRUE(contains(line, "\"header\": \"not read: another user's object\"")) << line;
  EXPECT_FALSE(contains(line, "capacity_bytes")) << line;
#endif
}

// Attaches as a ring's producer and serves a named pipe, says so, and waits to be killed.
XIPC_TEST_ROLE(cli_owner_until_killed) {
  if (args.size() != 2) return 2;
  auto ring = xipc::ring_channel::sender::open_or_create(args[0]);
  auto server = xipc::named_pipe_server::create(args[0]);
  auto port_server = xipc::port_server::create(args[0]);
  xipc::semaphore::open(args[1]).post();
  std::this_thread::sleep_for(60s);
  return 0;
}

TEST(xipc_tool, a_killed_owner_makes_its_objects_stale_and_gc_removes_them) {
  SKIP_WITHOUT_TOOL();
  cli_names names;
  const std::string name = names.make("killed");
  const std::string ready = names.make("ready");
  auto told = xipc::semaphore::create(ready, 0);
  auto owner = xipc::test::peer_process::start("cli_owner_until_killed", {name, ready});
  ASSERT_FALSE(told.wait(xipc::deadline::after(30s)));
  EXPECT_TRUE(contains(json_line(run_tool("ls --json", false).out, "ring", name), "\"state\": \"ok\""));
  owner.kill();
  ASSERT_TRUE(owner.wait().has_value());

  const std::string ring_line = json_line(run_tool("ls --json", false).out, "ring", name);
  EXPECT_TRUE(contains(ring_line, "\"state\": \"stale\"")) << ring_line;
  EXPECT_TRUE(contains(ring_line, "\"alive\": false")) << ring_line;
  const tool_result dry = run_tool("gc --dry-run " + name);
  EXPECT_EQ(dry.status, 0);
  EXPECT_TRUE(contains(dry.out, "would remove ring " + name)) << dry.out;
  EXPECT_TRUE(contains(dry.out, "would remove named_pipe " + name)) << dry.out;
  EXPECT_TRUE(contains(dry.out, "would remove port " + name)) << dry.out;
  EXPECT_EQ(run_tool("inspect ring:" + name).status, 0) << "the dry run removed nothing";

  const tool_result collected = run_tool("gc " + name);
  EXPECT_EQ(collected.status, 0) << collected.out;
  EXPECT_TRUE(contains(collected.out, "removed ring " + name)) << collected.out;
  EXPECT_TRUE(contains(collected.out, "removed named_pipe " + name)) << collected.out;
  EXPECT_TRUE(contains(collected.out, "removed port " + name)) << collected.out;
  EXPECT_EQ(run_tool("inspect ring:" + name).status, 3);
  EXPECT_EQ(run_tool("inspect named_pipe:" + name).status, 3);
  EXPECT_EQ(run_tool("inspect port:" + name).status, 3);
}

TEST(xipc_tool, a_name_that_does_not_exist_exits_3_and_bad_arguments_exit_2) {
  SKIP_WITHOUT_TOOL();
  const std::string absent = xipc::test::unique_name("absent");
  const tool_result inspected = run_tool("inspect " + absent);
  EXPECT_EQ(inspected.status, 3);
  EXPECT_TRUE(contains(inspected.out, "no object named \"" + absent + "\"")) << inspected.out;
  EXPECT_EQ(run_tool("rm " + absent).status, 3);
  EXPECT_EQ(run_tool("send " + absent + " hello").status, 3);
  EXPECT_EQ(run_tool("recv --timeout 10ms " + absent).status, 3);
  const tool_result bad_name = run_tool("rm ../etc");
  EXPECT_EQ(bad_name.status, 2);
  EXPECT_TRUE(contains(bad_name.out, "is no xipc name")) << bad_name.out;
  EXPECT_EQ(run_tool("inspect nokind:" + absent).status, 2);
  EXPECT_EQ(run_tool("frobnicate").status, 2);
  EXPECT_EQ(run_tool("ls --frob").status, 2);
  EXPECT_EQ(run_tool("recv --timeout soon " + absent).status, 2);
  EXPECT_EQ(run_tool("").status, 2);
  for (const char* command : {"ls", "inspect", "rm", "gc", "send", "recv", "bench"}) {
    const tool_result help = run_tool(std::string(command) + " --help");
    EXPECT_EQ(help.status, 0) << command;
    EXPECT_TRUE(contains(help.out, std::string("usage: xipc ") + command)) << help.out;
  }
}

TEST(xipc_tool, rm_removes_by_kind_and_name_and_refuses_an_ambiguous_name) {
  SKIP_WITHOUT_TOOL();
  cli_names names;
  const std::string name = names.make("both");
  { auto memory = xipc::shared_memory::create(name, 4096); }
  { auto sem = xipc::semaphore::create(name, 0); }
  const tool_result ambiguous = run_tool("rm " + name);
  EXPECT_EQ(ambiguous.status, 2);
  EXPECT_TRUE(contains(ambiguous.out, "shared_memory:" + name)) << ambiguous.out;
  EXPECT_TRUE(contains(ambiguous.out, "semaphore:" + name)) << ambiguous.out;
  EXPECT_EQ(run_tool("rm semaphore:" + name).status, 0);
  std::error_code ec;
  (void)xipc::semaphore::open(name, ec);
  EXPECT_EQ(ec, xipc::errc::not_found);
  EXPECT_EQ(run_tool("rm " + name).status, 0) << "one left: no longer ambiguous";
  (void)xipc::shared_memory::open(name, xipc::access::read_write, ec);
  EXPECT_EQ(ec, xipc::errc::not_found);
}

TEST(xipc_tool, send_and_recv_reach_a_mailbox_a_ring_a_semaphore_and_a_named_pipe) {
  SKIP_WITHOUT_TOOL();
  cli_names names;
  const std::string name = names.make("talk");
  auto box = xipc::mailbox::create(name, {.capacity = 4, .max_message_bytes = 64});
  EXPECT_EQ(run_tool("send --priority 3 mailbox:" + name + " hello").status, 0);
  std::array<std::byte, 64> buffer{};
  const auto got = box.try_receive(buffer);
  ASSERT_FALSE(got.error);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(buffer.data()), got.bytes), "hello");
  EXPECT_EQ(got.priority, 3u);
  ASSERT_FALSE(box.try_send(std::as_bytes(std::span("back", 4)), 0));
  EXPECT_EQ(run_tool("recv mailbox:" + name).out, "back\n");
  EXPECT_EQ(run_tool("recv --timeout 20ms mailbox:" + name).status, 4) << "empty: timed out";
  EXPECT_EQ(run_tool("send --priority 99 mailbox:" + name + " x").status, 2);

  { auto ring = xipc::ring_channel::sender::open_or_create(name); }
  EXPECT_EQ(run_tool("send ring:" + name + " one").status, 0);
  EXPECT_EQ(run_tool("recv --raw ring:" + name).out, "one");

  auto sem = xipc::semaphore::create(name, 0);
  EXPECT_EQ(run_tool("send semaphore:" + name + " -  </dev/null").status, 0);
  EXPECT_EQ(sem.value(), 1u);
  EXPECT_EQ(run_tool("recv --timeout 10ms semaphore:" + name).status, 0);
  EXPECT_EQ(run_tool("recv --timeout 10ms semaphore:" + name).status, 4);

  auto server = xipc::named_pipe_server::create(name);
  std::string heard;
  std::thread listener([&] {
    xipc::named_pipe connection;
    if (server.accept(connection, xipc::deadline::after(30s))) return;
    std::array<std::byte, 16> bytes{};
    const auto read = xipc::read_exact(connection, std::span(bytes).first(5), xipc::deadline::after(30s));
    heard.assign(reinterpret_cast<const char*>(bytes.data()), read.bytes);
  });
  EXPECT_EQ(run_tool("send named_pipe:" + name + " piped").status, 0);
  listener.join();
  EXPECT_EQ(heard, "piped");

  // A port: send and recv connect as a client, and talk to the server's end of that connection.
  auto ports = xipc::port_server::create(name);
  std::string ported;
  std::thread port_listener([&] {
    for (int i = 0; i < 2; ++i) {
      xipc::port connection;
      if (ports.accept(connection, xipc::deadline::after(30s))) return;
      if (i == 0) {
        std::array<std::byte, 16> bytes{};
        const auto message = connection.receive(bytes, xipc::deadline::after(30s));
        ported.assign(reinterpret_cast<const char*>(bytes.data()), message.bytes);
      } else {
        (void)connection.send(std::as_bytes(std::span("answer", 6)), xipc::deadline::after(30s));
        std::array<std::byte, 1> none{};
        (void)connection.receive(none, xipc::deadline::after(30s));  // until the tool goes
      }
    }
  });
  EXPECT_EQ(run_tool("send port:" + name + " ported").status, 0);
  EXPECT_EQ(run_tool("recv --raw port:" + name).out, "answer");
  port_listener.join();
  EXPECT_EQ(ported, "ported");

  // A broadcast: send attaches as its publisher, recv joins as a subscriber
  // and prints the next message published after it joined.
  {
    auto subscriber_here = [&] {
      { auto made = xipc::broadcast::publisher::open_or_create(name, {.slot_count = 16, .max_message_bytes = 32}); }
      return xipc::broadcast::subscriber::open(name);
    }();
    EXPECT_EQ(run_tool("send broadcast:" + name + " cast").status, 0);
    std::array<std::byte, 32> bytes{};
    const auto cast = subscriber_here.try_receive(bytes);
    ASSERT_FALSE(cast.error) << cast.error.message();
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(bytes.data()), cast.bytes), "cast");
  }
  std::string printed;
  std::thread tuned_in([&] { printed = run_tool("recv --raw --timeout 20s broadcast:" + name).out; });
  auto caster = xipc::broadcast::publisher::open_or_create(name, {.slot_count = 16, .max_message_bytes = 32});
  ASSERT_FALSE(caster.wait_for_subscribers(1, xipc::deadline::after(20s)));
  ASSERT_FALSE(caster.send(std::as_bytes(std::span("on air", 6)), xipc::deadline::after(5s)));
  tuned_in.join();
  EXPECT_EQ(printed, "on air");
}

TEST(xipc_tool, bench_runs_benchmarks_one_at_a_time_and_tabulates_them) {
  SKIP_WITHOUT_TOOL();
#if XIPC_BENCH_BUILT
  // The filter given last narrows the quick set to one benchmark.
  const tool_result ran = run_tool("bench --benchmark_filter=^floor/rtt/64$ --benchmark_min_time=0.01", false);
  EXPECT_EQ(ran.status, 0) << ran.out;
  EXPECT_TRUE(contains(ran.out, "BENCHMARK")) << ran.out;
  EXPECT_TRUE(contains(ran.out, "floor/rtt/64 ")) << ran.out;
  EXPECT_TRUE(contains(ran.out, " ns")) << ran.out;
  EXPECT_FALSE(contains(ran.out, "\r")) << "no progress bar into a pipe";
#else
  GTEST_SKIP() << "xipc-bench is not part of this build";
#endif
}

}  // namespace
