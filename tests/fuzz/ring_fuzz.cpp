// libFuzzer target: a producer and a consumer drive a ring while the input
// also overwrites bytes of the shared region (header, positions, records),
// as a broken or hostile peer could. The ring must report errc::corrupted or
// carry on, and never touch memory outside the region (AddressSanitizer
// watches), nor hand out a message outside the data area (checked here).
#include <xipc/spsc_ring.hpp>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <optional>
#include <span>

#include "fuzz_script.hpp"

namespace {

constexpr std::size_t capacity = 1024;
constexpr std::size_t max_message = 200;

using xipc::fuzz::script;

// The largest message any valid header allows for this capacity. Not
// max_message: an end that re-attaches after the input rewrote the header's
// maximum (to another valid value) takes the new one, and that is allowed.
constexpr std::size_t largest_valid_message = capacity / 2 - 8;

void check_inside(std::span<const std::byte> message, const std::byte* data) {
  if (message.data() < data || message.data() + message.size() > data + capacity ||
      message.size() > largest_valid_message) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* input, std::size_t size) {
  constexpr std::size_t region_bytes = xipc::ring_memory_bytes(capacity);
  // Exactly the region's size on the heap, so that AddressSanitizer flags a byte past it.
  auto* region = static_cast<std::byte*>(::operator new(region_bytes, std::align_val_t{xipc::ring_memory_alignment}));
  const std::span<std::byte> memory{region, region_bytes};
  std::memset(region, 0, region_bytes);
  if (xipc::format_ring(memory, {.capacity_bytes = capacity, .max_message_bytes = max_message})) std::abort();
  const std::byte* data = region + xipc::detail::ring_data_offset;
  {
    std::optional<xipc::ring_producer> producer;
    std::optional<xipc::ring_consumer> consumer;
    std::error_code ec;
    const auto attach_producer = [&] {
      producer.reset();
      auto end = xipc::ring_producer::attach(memory, {.mode = xipc::wait_mode::spin}, ec);
      if (!ec) producer.emplace(std::move(end));
    };
    const auto attach_consumer = [&] {
      consumer.reset();
      auto end = xipc::ring_consumer::attach(memory, {.mode = xipc::wait_mode::spin}, ec);
      if (!ec) consumer.emplace(std::move(end));
    };
    attach_producer();
    attach_consumer();
    std::array<std::byte, max_message + 64> message{};
    std::array<std::byte, max_message> buffer{};
    script steps(input, size);
    while (!steps.done()) {
      switch (steps.byte() % 8) {
        case 0:  // send a message of some size (oversize included)
          if (producer) {
            const std::size_t length = steps.u16() % message.size();
            std::memset(message.data(), steps.byte(), length);
            static_cast<void>(producer->try_send({message.data(), length}));
          }
          break;
        case 1:  // receive a copy
          if (consumer) static_cast<void>(consumer->try_receive(buffer));
          break;
        case 2:  // peek in place, read every byte, release
          if (consumer) {
            const auto slot = consumer->try_peek();
            if (slot) {
              check_inside(slot.bytes, data);
              volatile std::uint8_t sum = 0;
              for (const std::byte b : slot.bytes) sum = static_cast<std::uint8_t>(sum + static_cast<std::uint8_t>(b));
              consumer->release();
            }
          }
          break;
        case 3: {  // overwrite one byte anywhere in the region
          const std::size_t offset = steps.u16() % region_bytes;
          region[offset] = static_cast<std::byte>(steps.byte());
          break;
        }
        case 4: {  // overwrite an aligned 64-bit word: positions, header fields, record headers
          const std::size_t offset = (steps.u16() % (region_bytes / 8)) * 8;
          const std::uint64_t value = steps.u64();
          std::memcpy(region + offset, &value, sizeof value);
          break;
        }
        case 5:
          attach_consumer();
          break;
        case 6:
          attach_producer();
          break;
        case 7:  // a zero-copy write, committed shorter than prepared
          if (producer) {
            const std::size_t length = steps.u16() % (max_message + 1);
            const auto slot = producer->try_prepare(length);
            if (slot) {
              if (slot.bytes.data() < data || slot.bytes.data() + slot.bytes.size() > data + capacity) std::abort();
              std::memset(slot.bytes.data(), 0x5a, slot.bytes.size());
              producer->commit(length / 2);
            }
          }
          break;
      }
    }
  }
  ::operator delete(region, std::align_val_t{xipc::ring_memory_alignment});
  return 0;
}
