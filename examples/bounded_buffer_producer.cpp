// The producer of the bounded buffer (bounded_buffer.hpp): waits for an empty
// slot, fills it under the mutex, counts it full; then sends the quit item.
// Start bounded_buffer_consumer first, or within 10 seconds.
//
//   bounded_buffer_producer [name]
#include <cstdio>
#include <exception>
#include <string_view>

#include "bounded_buffer.hpp"

int main(int argc, char** argv) try {
  using namespace bounded_buffer;
  const std::string_view name = argc > 1 ? argv[1] : "xipc-example-bounded-buffer";
  view v = open(name);
  for (std::uint64_t number = 0; number <= items; ++number) {
    const std::uint64_t sent = number == items ? quit : number;
    check(v.empty.wait(std::chrono::seconds(10)), "waiting for an empty slot");  // P(empty)
    lock(v);
    v.state->buffer[v.state->in % slots] = {sent, payload_of(sent)};
    v.state->in += 1;
    v.lock.unlock();
    check(v.full.post(), "counting a full slot");  // V(full)
  }
  std::printf("bounded_buffer_producer: %llu items through %zu slots\n", static_cast<unsigned long long>(items),
              slots);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "bounded_buffer_producer: %s\n", e.what());
  return 1;
}
