// Writes a few lines into a FIFO; fifo_reader, started before or after it in
// another terminal, prints them. The FIFO is a file: it stays until removed.
//
//   fifo_writer [path]
#include <xipc/fifo.hpp>
#include <xipc/io.hpp>

#include <chrono>
#include <cstdio>
#include <exception>
#include <string>

int main(int argc, char** argv) try {
  const std::string path = argc > 1 ? argv[1] : "/tmp/xipc-example.fifo";
  std::error_code ec;
  xipc::fifo::create(path, xipc::permissions::owner_only(), ec);  // the reader may have made it already
  if (ec && ec != xipc::errc::already_exists) throw std::system_error(ec, "creating " + path);

  // A FIFO's writer waits for a reader: bounded here to 30 seconds.
  auto writer = xipc::fifo::open_writer(path, std::chrono::seconds(30));
  for (int i = 1; i <= 3; ++i) {
    const std::string line = "line " + std::to_string(i) + " through the FIFO\n";
    if (const auto wrote = xipc::write_all(writer, std::as_bytes(std::span(line))); wrote.error) {
      throw std::system_error(wrote.error, "writing");
    }
  }
  std::printf("fifo_writer: wrote 3 lines into %s\n", path.c_str());
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "fifo_writer: %s\n", e.what());
  return 1;
}
