// The bounded buffer of the operating-systems textbooks, between processes:
// a circular array of slots in one shared_memory region, a semaphore that
// counts the empty slots, one that counts the full ones, and a mutex around
// the indices. Everything lives in the region itself (placed objects), so
// one name is all the two processes share.
//
// The consumer creates the region and formats the objects; the producer
// waits until the region says it is ready, then attaches.
#pragma once

#include <xipc/process_mutex.hpp>
#include <xipc/semaphore.hpp>
#include <xipc/shared_memory.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <new>
#include <span>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <thread>

namespace bounded_buffer {

inline constexpr std::size_t slots = 10;     // BUFFER_SIZE
inline constexpr std::uint64_t items = 200000;
inline constexpr std::uint64_t quit = ~std::uint64_t{0};  // the item that ends the run

struct item {
  std::uint64_t number;
  std::uint64_t payload;  // number * a constant: the consumer checks it
};

inline std::uint64_t payload_of(std::uint64_t number) { return number * 0x9e3779b97f4a7c15ull; }

// The region: three placed synchronization objects, then the ring of slots.
struct shared {
  alignas(64) std::array<std::byte, xipc::semaphore_bytes> empty;      // empty slots: starts at `slots`
  alignas(64) std::array<std::byte, xipc::semaphore_bytes> full;       // full slots: starts at 0
  alignas(64) std::array<std::byte, xipc::process_mutex_bytes> lock;   // guards in, out and the slots
  alignas(64) std::atomic<std::uint32_t> ready;                        // set last by the creator
  std::uint64_t in;   // next slot to fill
  std::uint64_t out;  // next slot to empty
  std::array<item, slots> buffer;
};

// The objects of a region, attached or formatted.
struct view {
  xipc::shared_memory region;
  xipc::semaphore empty;
  xipc::semaphore full;
  xipc::process_mutex lock;
  shared* state;
};

inline view create(std::string_view name) {
  xipc::shared_memory::remove(name);  // a leftover of an earlier run
  view v{xipc::shared_memory::create(name, sizeof(shared)), {}, {}, {}, nullptr};
  v.state = new (v.region.data()) shared{};
  v.empty = xipc::semaphore::format(v.state->empty, slots);
  v.full = xipc::semaphore::format(v.state->full, 0);
  v.lock = xipc::process_mutex::format(v.state->lock);
  v.state->ready.store(1, std::memory_order_release);
  return v;
}

inline view open(std::string_view name) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    std::error_code ec;
    auto region = xipc::shared_memory::open(name, xipc::access::read_write, ec);
    if (!ec && region.size() >= sizeof(shared) &&
        reinterpret_cast<shared*>(region.data())->ready.load(std::memory_order_acquire) == 1) {
      auto* state = reinterpret_cast<shared*>(region.data());
      return {std::move(region), xipc::semaphore::attach(state->empty), xipc::semaphore::attach(state->full),
              xipc::process_mutex::attach(state->lock), state};
    }
    if (ec && ec != xipc::errc::not_found) throw std::system_error(ec, "opening the bounded buffer");
    if (std::chrono::steady_clock::now() > give_up) throw std::runtime_error("the consumer never made the buffer");
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

// Takes the mutex; a holder that died holding it left the indices as they
// were at some step of put/take, which are written in an order that keeps
// them valid, so the repair is to say so.
inline void lock(view& v) {
  std::error_code ec = v.lock.lock(std::chrono::seconds(10));
  if (ec == xipc::errc::owner_died) ec = v.lock.consistent();
  if (ec) throw std::system_error(ec, "taking the buffer's mutex");
}

inline void check(std::error_code ec, const char* what) {
  if (ec) throw std::system_error(ec, what);
}

}  // namespace bounded_buffer
