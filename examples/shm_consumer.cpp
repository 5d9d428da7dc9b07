// The textbook's POSIX shared-memory consumer, in xipc: open the region the
// producer wrote, print the text in it, and remove the region.
//
//   shm_consumer [name]
#include <xipc/shared_memory.hpp>

#include <cstdio>
#include <cstring>
#include <exception>
#include <string_view>

int main(int argc, char** argv) try {
  const std::string_view name = argc > 1 ? argv[1] : "xipc-example";
  auto region = xipc::shared_memory::open(name, xipc::access::read_only);

  // The producer is another process: find the terminating '\0' inside the
  // region instead of trusting that there is one.
  const auto* text = reinterpret_cast<const char*>(region.data());
  const void* end = std::memchr(text, '\0', region.size());
  if (end == nullptr) {
    std::fprintf(stderr, "consumer: shared memory \"%.*s\" holds no terminated text\n", static_cast<int>(name.size()),
                 name.data());
    return 1;
  }
  const auto length = static_cast<std::size_t>(static_cast<const char*>(end) - text);
  std::printf("consumer: read \"%.*s\" (%zu bytes) from shared memory \"%.*s\"\n", static_cast<int>(length), text, length,
              static_cast<int>(name.size()), name.data());

  xipc::shared_memory::remove(name);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "consumer: %s\n", e.what());
  return 1;
}
