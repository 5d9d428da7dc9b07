#include <xipc/fifo.hpp>

#include <gtest/gtest.h>
#include <xipc/detail/config.hpp>
#if !XIPC_OS_WINDOWS
#include <sys/stat.h>
#include <unistd.h>
#endif

#include <array>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>
#include <xipc/io.hpp>

#include "support/bytes.hpp"
#include "support/object_names.hpp"
#include "support/peer_process.hpp"

namespace {

using namespace std::chrono_literals;
using xipc::deadline;
using xipc::errc;
using xipc::fifo;
namespace fs = std::filesystem;

// FIFO paths in the temporary directory, removed when the test ends.
class fifo_test : public ::testing::Test {
 protected:
  std::string make_path() {
    paths_.push_back((fs::temp_directory_path() / xipc::test::unique_name("")).string());
    return paths_.back();
  }
  ~fifo_test() override {
    for (const auto& path : paths_) {
      std::error_code ignored;
      fs::remove(path, ignored);
    }
  }
  std::vector<std::string> paths_;
};

XIPC_TEST_ROLE(fifo_write_text) {
  // args: path text
  if (args.size() != 2) return 2;
  auto writer = fifo::open_writer(args[0], 10s);
  const std::string_view text = args[1];
  return xipc::write_all(writer, std::as_bytes(std::span(text)), 10s).error ? 1 : 0;
}

TEST_F(fifo_test, create_makes_a_fifo_and_remove_removes_it) {
  const auto path = make_path();
  fifo::create(path);
  EXPECT_TRUE(fs::exists(path));
  EXPECT_TRUE(fifo::remove(path));
  EXPECT_FALSE(fifo::remove(path));
  EXPECT_FALSE(fs::exists(path));
}

#if XIPC_OS_WINDOWS
TEST_F(fifo_test, any_spelling_of_the_path_reaches_the_same_fifo) {
  // The pipe is named after the marker file's identity, not after the text of the path.
  const auto path = make_path();
  fifo::create(path);
  auto reader = fifo::open_reader(path);
  const fs::path spelled = fs::path(path).parent_path() / "." / fs::path(path).filename();
  auto writer = fifo::open_writer(spelled.string(), 1s);
  ASSERT_FALSE(xipc::write_all(writer, xipc::test::to_bytes("same"), 1s).error);
  std::array<std::byte, 4> buffer{};
  EXPECT_FALSE(xipc::read_exact(reader, buffer, 1s).error);
}
#else
TEST_F(fifo_test, create_gives_exactly_the_permissions_asked_for) {
  const auto path = make_path();
  const mode_t old_umask = ::umask(077);
  fifo::create(path, xipc::permissions::owner_and_group());
  ::umask(old_umask);
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_TRUE(S_ISFIFO(info.st_mode));
  EXPECT_EQ(info.st_mode & 0777, 0660u);
}
#endif

#if !XIPC_OS_WINDOWS
TEST_F(fifo_test, the_mode_is_never_set_through_a_link_swapped_in_for_the_fifo) {
  // Another user's trick in a shared directory: after mkfifo, replace the
  // FIFO with a link to a file the creator may change, before its chmod.
  const std::string target = make_path();
  { std::ofstream(target) << "secret"; }
  ASSERT_EQ(::chmod(target.c_str(), 0600), 0);
  const std::string path = make_path();
  const std::string link = path + ".link";
  std::atomic<bool> done{false};
  std::thread swapper([&] {
    while (!done) {
      ::symlink(target.c_str(), link.c_str());
      ::rename(link.c_str(), path.c_str());
    }
  });
  for (int attempt = 0; attempt < 3000; ++attempt) {
    ::unlink(path.c_str());
    std::error_code ignored;
    fifo::create(path, xipc::permissions::everyone(), ignored);
  }
  done = true;
  swapper.join();
  ::unlink(link.c_str());
  struct stat info {};
  ASSERT_EQ(::stat(target.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 07777, 0600u) << "the link's target was chmod-ed";
}

TEST_F(fifo_test, a_fifo_with_a_wider_mode_than_asked_is_not_trusted) {
  const std::string path = make_path();
  fifo::create(path, xipc::permissions::everyone());
  std::error_code ec;
  fifo::open_reader(path, ec);
  EXPECT_EQ(ec, errc::permission_denied);
  auto reader = fifo::open_reader(path, ec, xipc::permissions::everyone());
  EXPECT_FALSE(ec) << ec.message();
  try {
    fifo::open_writer(path, deadline::immediately());
    ADD_FAILURE() << "opened";
  } catch (const std::system_error& error) {
    EXPECT_EQ(error.code(), errc::permission_denied);
    EXPECT_NE(std::string(error.what()).find("mode 0666"), std::string::npos) << error.what();
  }
  EXPECT_TRUE(fifo::open_writer(path, deadline::immediately(), xipc::permissions::everyone()).is_open());
}
#endif

TEST_F(fifo_test, creating_over_an_existing_path_is_already_exists) {
  const auto path = make_path();
  fifo::create(path);
  std::error_code ec;
  fifo::create(path, {}, ec);
  EXPECT_EQ(ec, errc::already_exists);
}

TEST_F(fifo_test, a_path_that_is_not_a_fifo_is_refused_by_name) {
  const auto path = make_path();
  std::ofstream(path) << "plain";
  try {
    fifo::open_reader(path);
    ADD_FAILURE() << "no exception";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code(), errc::invalid_argument);
    const std::string what = e.what();
    EXPECT_NE(what.find(path), std::string::npos) << what;
    EXPECT_NE(what.find("a regular file, not a FIFO"), std::string::npos) << what;
  }
  std::error_code ec;
  fifo::open_writer(path, 10ms, ec);
  EXPECT_EQ(ec, errc::invalid_argument);
  fifo::remove(path, ec);
  EXPECT_EQ(ec, errc::invalid_argument);
  EXPECT_TRUE(fs::exists(path)) << "remove leaves what is not a FIFO alone";
}

TEST_F(fifo_test, a_missing_fifo_is_not_found) {
  const auto path = make_path();
  std::error_code ec;
  fifo::open_reader(path, ec);
  EXPECT_EQ(ec, errc::not_found);
  fifo::open_writer(path, 10ms, ec);
  EXPECT_EQ(ec, errc::not_found);
}

TEST_F(fifo_test, a_writer_waits_for_a_reader_no_longer_than_its_deadline) {
  const auto path = make_path();
  fifo::create(path);
  std::error_code ec;
  fifo::open_writer(path, deadline::immediately(), ec);
  EXPECT_EQ(ec, errc::would_block);
  const auto start = std::chrono::steady_clock::now();
  fifo::open_writer(path, 30ms, ec);
  EXPECT_EQ(ec, errc::timed_out);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 30ms);
  std::thread reader_arrives([&] {
    std::this_thread::sleep_for(20ms);
    auto reader = fifo::open_reader(path);
    std::array<std::byte, 2> buffer{};
    EXPECT_EQ(xipc::read_exact(reader, buffer, 5s).bytes, 2u);
  });
  auto writer = fifo::open_writer(path, 5s);
  EXPECT_FALSE(xipc::write_all(writer, xipc::test::to_bytes("hi")).error);
  reader_arrives.join();
}

TEST_F(fifo_test, a_reader_waits_for_the_first_writer_instead_of_seeing_end_of_stream) {
  const auto path = make_path();
  fifo::create(path);
  auto reader = fifo::open_reader(path);
  std::array<std::byte, 16> buffer{};
  EXPECT_EQ(reader.try_read_some(buffer).error, errc::would_block);
  EXPECT_EQ(reader.read_some(buffer, 20ms).error, errc::timed_out) << "no writer yet is not end of stream";
  auto writer = fifo::open_writer(path, 1s);
  ASSERT_FALSE(xipc::write_all(writer, xipc::test::to_bytes("data")).error);
  writer.close();
  const auto got = reader.read_some(buffer, 1s);
  EXPECT_FALSE(got.error);
  EXPECT_EQ(got.bytes, 4u);
  EXPECT_EQ(reader.read_some(buffer, 1s).error, errc::end_of_stream) << "a writer came and went";
}

TEST_F(fifo_test, a_write_with_no_reader_left_is_peer_closed) {
  const auto path = make_path();
  fifo::create(path);
  auto reader = fifo::open_reader(path);
  auto writer = fifo::open_writer(path, 1s);
  reader.close();
  EXPECT_EQ(writer.write_some(xipc::test::to_bytes("lost"), 1s).error, errc::peer_closed);
}

TEST_F(fifo_test, another_process_writes_through_the_path_and_the_fifo_persists) {
  const auto path = make_path();
  fifo::create(path);
  auto reader = fifo::open_reader(path);
  auto writer_process = xipc::test::peer_process::start("fifo_write_text", {path, "across processes"});
  std::string text;
  std::array<std::byte, 64> buffer{};
  for (;;) {
    const auto got = reader.read_some(buffer, 10s);
    text.append(reinterpret_cast<const char*>(buffer.data()), got.bytes);
    if (got.error) {
      EXPECT_EQ(got.error, errc::end_of_stream);
      break;
    }
  }
  EXPECT_EQ(text, "across processes");
  EXPECT_EQ(writer_process.wait(), 0);
  EXPECT_TRUE(fs::exists(path)) << "the FIFO stays until removed";
}

}  // namespace
