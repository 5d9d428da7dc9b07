// The consumer of the bounded buffer (bounded_buffer.hpp): makes the region,
// then waits for a full slot, empties it under the mutex, counts it empty,
// checks every item's number and payload, and removes the region at the end.
//
//   bounded_buffer_consumer [name]
#include <chrono>
#include <cstdio>
#include <exception>
#include <string_view>

#include "bounded_buffer.hpp"

int main(int argc, char** argv) try {
  using namespace bounded_buffer;
  const std::string_view name = argc > 1 ? argv[1] : "xipc-example-bounded-buffer";
  view v = create(name);
  std::printf("bounded_buffer_consumer: buffer \"%.*s\" of %zu slots is ready\n", static_cast<int>(name.size()),
              name.data(), slots);
  std::uint64_t expected = 0;
  std::chrono::steady_clock::time_point start;
  for (;;) {
    check(v.full.wait(std::chrono::seconds(30)), "waiting for a full slot");  // P(full)
    if (expected == 0) start = std::chrono::steady_clock::now();
    lock(v);
    const item got = v.state->buffer[v.state->out % slots];
    v.state->out += 1;
    v.lock.unlock();
    check(v.empty.post(), "counting an empty slot");  // V(empty)
    if (got.payload != payload_of(got.number)) throw std::runtime_error("an item's payload does not match");
    if (got.number == quit) break;
    if (got.number != expected) throw std::runtime_error("an item came out of order");
    ++expected;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("bounded_buffer_consumer: %llu items in order, every payload checked, %.2f M items/s\n",
              static_cast<unsigned long long>(expected), static_cast<double>(expected) / seconds / 1e6);
  xipc::shared_memory::remove(name);
  return expected == items ? 0 : 1;
} catch (const std::exception& e) {
  std::fprintf(stderr, "bounded_buffer_consumer: %s\n", e.what());
  return 1;
}
