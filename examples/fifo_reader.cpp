// Prints what fifo_writer writes into the FIFO, until the writer closes it,
// then removes the FIFO.
//
//   fifo_reader [path]
#include <xipc/fifo.hpp>

#include <array>
#include <chrono>
#include <cstdio>
#include <exception>
#include <string>

int main(int argc, char** argv) try {
  const std::string path = argc > 1 ? argv[1] : "/tmp/xipc-example.fifo";
  std::error_code ec;
  xipc::fifo::create(path, xipc::permissions::owner_only(), ec);  // the writer may have made it already
  if (ec && ec != xipc::errc::already_exists) throw std::system_error(ec, "creating " + path);

  // The reader's open does not wait; its reads do, up to 30 seconds each.
  auto reader = xipc::fifo::open_reader(path);
  std::string text;
  std::array<std::byte, 256> buffer{};
  for (;;) {
    const auto got = reader.read_some(buffer, std::chrono::seconds(30));
    text.append(reinterpret_cast<const char*>(buffer.data()), got.bytes);
    if (got.error == xipc::errc::end_of_stream) break;
    if (got.error) throw std::system_error(got.error, "reading");
  }
  xipc::fifo::remove(path);
  std::printf("fifo_reader: read until the writer closed:\n%s", text.c_str());
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "fifo_reader: %s\n", e.what());
  return 1;
}
