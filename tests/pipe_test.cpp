#include <xipc/pipe.hpp>

#include <gtest/gtest.h>
#include <xipc/detail/config.hpp>

#if XIPC_OS_POSIX
#include <pthread.h>
#include <signal.h>
#endif

#include <array>
#include <atomic>
#include <thread>
#include <vector>
#include <xipc/io.hpp>

#include "support/bytes.hpp"
#include "support/handles.hpp"

namespace {

using namespace std::chrono_literals;
using xipc::deadline;
using xipc::errc;

TEST(pipe, both_ends_are_open_and_not_inheritable) {
  auto [reader, writer] = xipc::make_pipe();
  ASSERT_TRUE(reader.is_open());
  ASSERT_TRUE(writer.is_open());
  EXPECT_FALSE(xipc::test::handle_is_inheritable(reader.native_handle()));
  EXPECT_FALSE(xipc::test::handle_is_inheritable(writer.native_handle()));
}

TEST(pipe, bytes_arrive_in_order) {
  auto [reader, writer] = xipc::make_pipe();
  std::vector<std::byte> out(3000);
  xipc::test::fill_pattern(out, 3);
  ASSERT_FALSE(xipc::write_all(writer, out).error);
  std::vector<std::byte> in(out.size());
  const auto got = xipc::read_exact(reader, in, 1s);
  ASSERT_FALSE(got.error);
  EXPECT_EQ(xipc::test::first_mismatch(in, 3), in.size());
}

TEST(pipe, the_reader_sees_end_of_stream_after_draining_once_the_writer_closes) {
  auto [reader, writer] = xipc::make_pipe();
  ASSERT_FALSE(xipc::write_all(writer, xipc::test::to_bytes("Greetings")).error);
  writer.close();
  std::array<std::byte, 64> buffer{};
  const auto got = reader.read_some(buffer, 1s);
  EXPECT_FALSE(got.error);
  EXPECT_EQ(got.bytes, 9u);
  EXPECT_EQ(reader.read_some(buffer, 1s).error, errc::end_of_stream);
  EXPECT_EQ(reader.read_some(buffer, deadline::forever()).error, errc::end_of_stream) << "and does not block";
}

TEST(pipe, a_write_without_reader_is_peer_closed) {
  auto [reader, writer] = xipc::make_pipe();
  reader.close();
  for (const auto until : {deadline::forever(), deadline::immediately(), deadline::after(1s)}) {
    const auto wrote = writer.write_some(xipc::test::to_bytes("anyone?"), until);
    EXPECT_EQ(wrote.error, errc::peer_closed);
    EXPECT_EQ(wrote.bytes, 0u);
  }
}

#if XIPC_OS_POSIX
TEST(pipe, a_write_without_reader_is_not_sigpipe) {
  // The default action of SIGPIPE ends the process: make sure it is in force.
  struct sigaction old_action {};
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  ::sigaction(SIGPIPE, &default_action, &old_action);
  auto [reader, writer] = xipc::make_pipe();
  reader.close();
  const auto wrote = writer.write_some(xipc::test::to_bytes("anyone?"), 1s);
  EXPECT_EQ(wrote.error, errc::peer_closed);
  EXPECT_EQ(wrote.bytes, 0u);
  sigset_t pending;
  ::sigpending(&pending);
  EXPECT_FALSE(sigismember(&pending, SIGPIPE)) << "the SIGPIPE the write raised was taken back";
  ::sigaction(SIGPIPE, &old_action, nullptr);
}

TEST(pipe, a_sigpipe_the_caller_blocked_stays_as_the_caller_left_it) {
  sigset_t sigpipe_only;
  sigset_t old_mask;
  sigemptyset(&sigpipe_only);
  sigaddset(&sigpipe_only, SIGPIPE);
  ::pthread_sigmask(SIG_BLOCK, &sigpipe_only, &old_mask);
  auto [reader, writer] = xipc::make_pipe();
  reader.close();
  EXPECT_EQ(writer.write_some(xipc::test::to_bytes("x"), 1s).error, errc::peer_closed);
  sigset_t mask;
  ::pthread_sigmask(SIG_SETMASK, nullptr, &mask);
  EXPECT_TRUE(sigismember(&mask, SIGPIPE)) << "still blocked";
  sigset_t pending;
  ::sigpending(&pending);
  EXPECT_TRUE(sigismember(&pending, SIGPIPE)) << "a blocked signal is the caller's to collect";
  // Ignoring a pending signal discards it (POSIX sigaction); macOS has no sigtimedwait.
  struct sigaction ignore {};
  struct sigaction before {};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, &before);
  ::sigaction(SIGPIPE, &before, nullptr);
  ::pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
}
#endif

TEST(pipe, every_deadline_mode_on_an_empty_pipe) {
  auto [reader, writer] = xipc::make_pipe();
  std::array<std::byte, 8> buffer{};
  EXPECT_EQ(reader.try_read_some(buffer).error, errc::would_block);
  EXPECT_EQ(reader.read_some(buffer, deadline::immediately()).error, errc::would_block);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(reader.read_some(buffer, 30ms).error, errc::timed_out);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 30ms);
  std::thread later([&writer = writer] {
    std::this_thread::sleep_for(20ms);
    EXPECT_FALSE(xipc::write_all(writer, xipc::test::to_bytes("late")).error);
  });
  const auto got = reader.read_some(buffer, deadline::forever());
  later.join();
  EXPECT_FALSE(got.error);
  EXPECT_EQ(got.bytes, 4u);
}

TEST(pipe, a_full_pipe_takes_what_fits_then_would_block) {
  auto [reader, writer] = xipc::make_pipe();
  const std::size_t capacity = writer.capacity();
  if (capacity == 0) GTEST_SKIP() << "this build's pipes cannot tell their capacity (no F_GETPIPE_SZ)";
  ASSERT_GE(capacity, xipc::pipe_atomic_write_bytes());
  std::vector<std::byte> big(capacity + 1000);
  const auto first = writer.try_write_some(big);
  EXPECT_FALSE(first.error);
  EXPECT_LE(first.bytes, capacity) << "a short write, not a block";
  std::size_t total = first.bytes;
  for (;;) {
    const auto more = writer.try_write_some(big);
    if (more.error) {
      EXPECT_EQ(more.error, errc::would_block);
      break;
    }
    total += more.bytes;
  }
  EXPECT_EQ(total, capacity);
  EXPECT_EQ(writer.write_some(big, 10ms).error, errc::timed_out);
  std::vector<std::byte> drain(capacity);
  EXPECT_EQ(xipc::read_exact(reader, drain, 1s).bytes, capacity);
}

#if XIPC_OS_WINDOWS
TEST(pipe, capacity_is_fixed_when_the_pipe_is_made) {
  auto [reader, writer] = xipc::make_pipe();
  const std::size_t capacity = writer.capacity();
  EXPECT_GE(capacity, xipc::pipe_atomic_write_bytes());
  EXPECT_FALSE(writer.set_capacity(capacity)) << "what it has is no change";
  EXPECT_EQ(writer.set_capacity(capacity * 2), errc::invalid_argument);
  EXPECT_EQ(writer.capacity(), capacity);
}
#elif XIPC_HAS_PIPE_SIZE
TEST(pipe, capacity_can_be_raised) {
  auto [reader, writer] = xipc::make_pipe();
  ASSERT_FALSE(writer.set_capacity(1 << 20));
  EXPECT_GE(writer.capacity(), std::size_t{1} << 20);
  EXPECT_EQ(reader.capacity(), writer.capacity()) << "one buffer, seen from both ends";
  EXPECT_EQ(writer.set_capacity(std::size_t{1} << 40), errc::invalid_argument);
}
#else
TEST(pipe, capacity_is_unknown_where_the_os_cannot_tell) {
  auto [reader, writer] = xipc::make_pipe();
  EXPECT_EQ(writer.capacity(), 0u);
  EXPECT_EQ(reader.capacity(), 0u);
  EXPECT_EQ(writer.set_capacity(1 << 20), errc::invalid_argument);
}
#endif

TEST(pipe, the_atomic_write_size_is_pipe_buf) {
#if XIPC_OS_LINUX
  EXPECT_EQ(xipc::pipe_atomic_write_bytes(), 4096u);
#else
  EXPECT_GE(xipc::pipe_atomic_write_bytes(), 512u);
#endif
}

#if XIPC_OS_POSIX
extern "C" void count_signal(int) {}

TEST(pipe, a_blocked_read_survives_signals) {
  // A handler without SA_RESTART: the read's system calls see EINTR.
  struct sigaction action {};
  struct sigaction old_action {};
  action.sa_handler = count_signal;
  ::sigaction(SIGUSR1, &action, &old_action);
  auto [reader, writer] = xipc::make_pipe();
  const pthread_t reading_thread = ::pthread_self();
  std::atomic<bool> done{false};
  std::thread pest([&, &writer = writer] {
    for (int i = 0; i < 20 && !done; ++i) {
      ::pthread_kill(reading_thread, SIGUSR1);
      std::this_thread::sleep_for(2ms);
    }
    EXPECT_FALSE(xipc::write_all(writer, xipc::test::to_bytes("through")).error);
  });
  std::array<std::byte, 16> buffer{};
  const auto got = reader.read_some(buffer, 5s);
  done = true;
  pest.join();
  EXPECT_FALSE(got.error) << got.error.message();
  EXPECT_EQ(got.bytes, 7u);
  ::sigaction(SIGUSR1, &old_action, nullptr);
}
#endif

TEST(pipe, adopting_and_releasing_handles) {
  auto [reader, writer] = xipc::make_pipe();
  const auto handle = writer.release();
  EXPECT_FALSE(writer.is_open());
  xipc::pipe_writer adopted(handle);
  ASSERT_FALSE(xipc::write_all(adopted, xipc::test::to_bytes("ok")).error);
  std::array<std::byte, 2> buffer{};
  EXPECT_EQ(xipc::read_exact(reader, buffer, 1s).bytes, 2u);
}

}  // namespace
