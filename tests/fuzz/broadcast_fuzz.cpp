// libFuzzer target: a broadcast channel in memory, with a publisher and two
// subscribers driven by a script that interleaves publishing (copies and
// loans), receiving into buffers of any size, leaving and joining, and
// hostile writes to every part of the shared region. It aborts when:
//  - a receive reports more bytes than its buffer or the channel's maximum
//    without saying message_too_large;
//  - in a channel nobody damaged, a subscriber receives a message other than
//    the next one after its last, losses counted (every message carries its
//    number), or an error other than would_block or message_too_large.
// AddressSanitizer watches every read and write of the region.
#include <xipc/broadcast.hpp>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <vector>

#include "fuzz_script.hpp"

namespace {

using xipc::fuzz::aligned_memory;
using xipc::fuzz::script;

// A subscriber and what it must receive next (unknown until its first
// message: under the waiting policy its join point may move up to the guard).
struct reader {
  xipc::broadcast_subscriber end;
  std::optional<std::uint64_t> expected;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* input, std::size_t size) {
  script in(input, size);
  xipc::broadcast_options options;
  options.slot_count = std::size_t{2} << (in.byte() % 4);  // 2 to 16
  options.max_message_bytes = 8 + in.byte() % 57;          // room for the number
  options.max_subscribers = 2;
  options.policy = in.byte() % 2 == 0 ? xipc::slow_subscriber::overtake : xipc::slow_subscriber::wait;
  aligned_memory memory(xipc::broadcast_memory_bytes(options));
  if (xipc::format_broadcast(memory.bytes(), options)) std::abort();
  const xipc::wait_policy spin{xipc::wait_mode::spin, {}};

  std::error_code ec;
  xipc::broadcast_publisher publisher = xipc::broadcast_publisher::attach(memory.bytes(), spin, ec);
  if (ec) std::abort();
  std::array<reader, 2> readers;
  bool damaged = false;
  std::vector<std::byte> message(options.max_message_bytes);
  std::vector<std::byte> buffer(options.max_message_bytes + 8);

  while (!in.done()) {
    switch (in.byte() % 6) {
      case 0: {  // publish a copy: its number, then filler
        if (!publisher.is_attached()) break;
        const std::size_t bytes = 8 + in.byte() % (options.max_message_bytes - 7);
        const std::uint64_t number = publisher.published();
        std::memcpy(message.data(), &number, 8);
        (void)publisher.try_send(std::span(message).first(bytes));
        break;
      }
      case 1: {  // publish through a loan, cut at commit
        if (!publisher.is_attached()) break;
        const xipc::write_slot slot = publisher.try_prepare(options.max_message_bytes);
        if (!slot) break;
        const std::uint64_t number = publisher.published();
        std::memcpy(slot.bytes.data(), &number, 8);
        publisher.commit(8 + in.byte() % (options.max_message_bytes - 7));
        break;
      }
      case 2: {  // receive into a buffer of any size
        reader& r = readers[in.byte() % 2];
        if (!r.end.is_attached()) break;
        const std::size_t room = in.byte() % (buffer.size() + 1);
        const xipc::broadcast_received got = r.end.try_receive(std::span(buffer).first(room));
        if (!got.error && (got.bytes > room || got.bytes > options.max_message_bytes)) std::abort();
        if (got.error == xipc::errc::message_too_large && got.bytes <= room) std::abort();
        if (damaged) break;
        if (got.error) {
          if (got.error != xipc::errc::would_block && got.error != xipc::errc::message_too_large &&
              !(got.error == xipc::errc::peer_closed && !publisher.is_attached())) {
            std::abort();
          }
          break;
        }
        if (got.bytes < 8) std::abort();
        std::uint64_t number = 0;
        std::memcpy(&number, buffer.data(), 8);
        if (r.expected && number != *r.expected + got.lost) std::abort();
        if (options.policy == xipc::slow_subscriber::wait && got.lost != 0) std::abort();
        r.expected = number + 1;
        break;
      }
      case 3: {  // a subscriber leaves, or joins
        reader& r = readers[in.byte() % 2];
        if (r.end.is_attached()) {
          r.end.detach();
        } else {
          r.end = xipc::broadcast_subscriber::attach(memory.bytes(), spin, ec);
          if (ec && !damaged) std::abort();
          r.expected.reset();  // known from its first message on
        }
        break;
      }
      case 4: {  // the publisher leaves, or comes back (taking over)
        if (publisher.is_attached()) {
          publisher.detach();
        } else {
          publisher = xipc::broadcast_publisher::attach(memory.bytes(), spin, ec);
          if (ec && !damaged) std::abort();
        }
        break;
      }
      case 5: {  // a hostile write: any 8 bytes of the region
        memory.overwrite_word(in);
        damaged = true;
        break;
      }
    }
  }
  return 0;
}
