// The backend contract's stream I/O (backend/stream_io.hpp): one suite over
// each kind of byte stream whose handles go through it: anonymous pipes on
// every backend; FIFOs and Unix-domain stream sockets on POSIX.
#include <gtest/gtest.h>
#include <xipc/detail/config.hpp>
#include <xipc/pipe.hpp>

#include <array>
#include <chrono>
#include <cstring>
#include <string>
#include <utility>

#if XIPC_OS_POSIX
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fcntl.h>
#endif

#include "backend/stream_io.hpp"
#include "backend/mechanism_name.hpp"
#include "support/object_names.hpp"

namespace {

using namespace std::chrono_literals;
using xipc::deadline;
using xipc::errc;
using xipc::native_handle_type;
using xipc::detail::owned_handle;

// A connected pair: bytes written to `writer` come out of `reader`.
struct stream_pair {
  owned_handle reader;
  owned_handle writer;
};

struct anonymous_pipe {
  static constexpr const char* name = "pipe";
  static stream_pair make() {
    auto ends = xipc::make_pipe();
    return {owned_handle(ends.reader.release()), owned_handle(ends.writer.release())};
  }
};

#if XIPC_OS_POSIX
struct posix_fifo {
  static constexpr const char* name = "fifo";
  static stream_pair make() {
    const std::string path =
        (std::filesystem::temp_directory_path() / xipc::test::unique_name("contract_fifo")).string();
    EXPECT_EQ(::mkfifo(path.c_str(), 0600), 0);
    // Non-blocking open of the reader first, so that the writer's open finds it; then blocking again.
    const int reader = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    const int writer = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    ::unlink(path.c_str());
    ::fcntl(reader, F_SETFL, ::fcntl(reader, F_GETFL) & ~O_NONBLOCK);
    return {owned_handle(reader), owned_handle(writer)};
  }
};

struct unix_stream_socket {
  static constexpr const char* name = "unix_stream";
  static stream_pair make() {
    int ends[2] = {-1, -1};
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, ends), 0);
    // Each end only one way, as a pipe's.
    ::shutdown(ends[0], SHUT_WR);
    ::shutdown(ends[1], SHUT_RD);
    return {owned_handle(ends[0]), owned_handle(ends[1])};
  }
};
using streams = ::testing::Types<anonymous_pipe, posix_fifo, unix_stream_socket>;
#else
using streams = ::testing::Types<anonymous_pipe>;
#endif

template <class Stream>
class stream_io_contract : public ::testing::Test {
 protected:
  stream_pair pair = Stream::make();
};
TYPED_TEST_SUITE(stream_io_contract, streams, xipc::test::mechanism_name);

std::span<const std::byte> bytes_of(const std::string& text) { return std::as_bytes(std::span(text)); }

TYPED_TEST(stream_io_contract, nothing_to_read_is_would_block_then_timed_out) {
  EXPECT_EQ(xipc::detail::wait_readable(this->pair.reader.native_handle(), deadline::immediately()), errc::would_block);
  std::array<std::byte, 8> buffer{};
  EXPECT_EQ(xipc::detail::read_some_handle(this->pair.reader.native_handle(), buffer, deadline::immediately()).error,
            errc::would_block);
  EXPECT_EQ(xipc::detail::read_some_handle(this->pair.reader.native_handle(), buffer, deadline::after(20ms)).error,
            errc::timed_out);
}

TYPED_TEST(stream_io_contract, bytes_written_are_read_in_order) {
  const std::string text = "contract bytes";
  const auto wrote = xipc::detail::write_some_handle(this->pair.writer.native_handle(), bytes_of(text), 5s);
  ASSERT_FALSE(wrote.error) << wrote.error.message();
  ASSERT_EQ(wrote.bytes, text.size());
  EXPECT_FALSE(xipc::detail::wait_readable(this->pair.reader.native_handle(), deadline::after(5s)));
  std::array<std::byte, 64> buffer{};
  const auto read = xipc::detail::read_some_handle(this->pair.reader.native_handle(), buffer, 5s);
  ASSERT_FALSE(read.error) << read.error.message();
  ASSERT_EQ(read.bytes, text.size());
  EXPECT_EQ(std::memcmp(buffer.data(), text.data(), text.size()), 0);
}

TYPED_TEST(stream_io_contract, the_writers_end_is_end_of_stream_after_the_last_byte) {
  ASSERT_FALSE(xipc::detail::write_some_handle(this->pair.writer.native_handle(), bytes_of("x"), 5s).error);
  this->pair.writer = {};
  std::array<std::byte, 8> buffer{};
  const auto first = xipc::detail::read_some_handle(this->pair.reader.native_handle(), buffer, 5s);
  EXPECT_EQ(first.bytes, 1u);
  EXPECT_EQ(xipc::detail::read_some_handle(this->pair.reader.native_handle(), buffer, 5s).error, errc::end_of_stream);
}

TYPED_TEST(stream_io_contract, writing_with_no_reader_left_is_peer_closed_and_no_signal) {
  this->pair.reader = {};
  // SIGPIPE's default action would end this test process here.
  const auto wrote = xipc::detail::write_some_handle(this->pair.writer.native_handle(), bytes_of("gone"), 5s);
  EXPECT_EQ(wrote.error, errc::peer_closed);
  EXPECT_EQ(wrote.bytes, 0u);
}

}  // namespace
