// The textbook's POSIX shared-memory producer, in xipc: create a named region
// and write two strings into it. Run shm_consumer afterwards to read them.
//
//   shm_producer [name]
#include <xipc/shared_memory.hpp>

#include <cstdio>
#include <cstring>
#include <exception>
#include <span>
#include <system_error>
#include <string_view>

namespace {

constexpr std::size_t region_bytes = 4096;

}  // namespace

int main(int argc, char** argv) try {
  const std::string_view name = argc > 1 ? argv[1] : "xipc-example";
  // A run that stopped before its consumer removed the region may have left it behind.
  xipc::shared_memory::remove(name);
  auto region = xipc::shared_memory::create(name, region_bytes);

  // Messages are written one after another, each ending in '\0', as the
  // textbook's sprintf calls do; the region was created zero-filled.
  std::size_t offset = 0;
  for (const std::string_view message : {"Hello", "World!"}) {
    const auto bytes = std::as_bytes(std::span(message.data(), message.size()));
    if (auto ec = region.write(offset, bytes)) throw std::system_error(ec, "writing the message");
    offset += message.size();
  }
  std::printf("producer: wrote \"%.*s\" (%zu bytes) into shared memory \"%.*s\" of %zu bytes\n",
              static_cast<int>(offset), reinterpret_cast<const char*>(region.data()), offset,
              static_cast<int>(name.size()), name.data(), region.size());
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "producer: %s\n", e.what());
  return 1;
}
