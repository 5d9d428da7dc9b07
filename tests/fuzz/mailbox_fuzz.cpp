// libFuzzer target: the shm mailbox's queue (the two-lock queue of
// src/mailbox/mailbox_shm.cpp) in memory, driven by a script that interleaves
// sends at any of the 32 priorities, receives into buffers of any size,
// re-opens of the queue, and hostile writes to every part of its area (locks,
// intents, lists, free ring, counts, payloads). It aborts when:
//  - a receive reports more bytes than its buffer without saying
//    message_too_large, or message_too_large for a message that fits;
//  - in a queue nobody damaged, a receive gives anything but the oldest
//    message of the highest priority queued, whole, or a send or receive
//    fails other than as the queue's state says (full, empty, too small), or
//    the queue's size differs from the messages queued.
// AddressSanitizer watches every read and write; every lock is taken with an
// immediate deadline, so a damaged lock word can refuse a call, never hang it.
#include <xipc/mailbox.hpp>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <vector>

#include "fuzz_script.hpp"
#include "mailbox/mailbox_queue.hpp"

namespace {

using xipc::fuzz::aligned_memory;
using xipc::fuzz::script;
using shm_backend = xipc::detail::mailbox_backend_of<xipc::mailbox_backend::shm>;

// A queued message as the model knows it: its number (its first 8 bytes;
// every later byte is the number's low byte plus its offset) and its size.
struct sent_message {
  std::uint64_t number;
  std::size_t size;
};

void fill(std::span<std::byte> message, std::uint64_t number) {
  std::memcpy(message.data(), &number, 8);
  for (std::size_t i = 8; i < message.size(); ++i) message[i] = static_cast<std::byte>(number + i);
}

bool is_whole(std::span<const std::byte> message, const sent_message& expected) {
  if (message.size() != expected.size) return false;
  std::uint64_t number = 0;
  std::memcpy(&number, message.data(), 8);
  if (number != expected.number) return false;
  for (std::size_t i = 8; i < message.size(); ++i) {
    if (message[i] != static_cast<std::byte>(expected.number + i)) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* input, std::size_t size) {
  script in(input, size);
  xipc::mailbox_options options;
  options.backend = xipc::mailbox_backend::shm;
  options.capacity = 1 + in.byte() % 8;
  options.max_message_bytes = 8 + in.byte() % 120;
  aligned_memory memory(static_cast<std::size_t>(shm_backend::queue_bytes(options)));
  const xipc::detail::mailbox_setup setup{"fuzz", options, memory.bytes()};
  xipc::detail::failure why;
  std::unique_ptr<xipc::detail::mailbox_queue> queue = shm_backend::create(setup, why);
  if (!queue) std::abort();

  // Priorities from a small set or the whole range: collisions and spread.
  const unsigned priorities = in.byte() % 2 == 0 ? 3 : xipc::mailbox::max_priority + 1;
  std::array<std::deque<sent_message>, xipc::mailbox::max_priority + 1> queued;
  std::size_t count = 0;
  std::uint64_t next_number = 0;
  bool damaged = false;
  std::vector<std::byte> message(options.max_message_bytes);
  std::vector<std::byte> buffer(options.max_message_bytes + 8);
  const auto now = xipc::deadline::immediately();

  while (!in.done()) {
    switch (in.byte() % 5) {
      case 0: {  // send a numbered message at some priority
        if (!queue) break;
        const unsigned priority = in.byte() % priorities;
        const std::size_t bytes = 8 + in.byte() % (options.max_message_bytes - 7);
        fill(std::span(message).first(bytes), next_number);
        const std::error_code ec = queue->try_send(std::span(message).first(bytes), priority, now);
        if (damaged) break;
        if (!ec) {
          queued[priority].push_back({next_number++, bytes});
          ++count;
        } else if (ec != xipc::errc::would_block || count < options.capacity) {
          std::abort();
        }
        break;
      }
      case 1: {  // receive into a buffer of any size
        if (!queue) break;
        const std::size_t room = in.byte() % (buffer.size() + 1);
        const xipc::mailbox_result got = queue->try_receive(std::span(buffer).first(room), now);
        if (!got.error && got.bytes > room) std::abort();
        if (got.error == xipc::errc::message_too_large && got.bytes <= room) std::abort();
        if (damaged) break;
        std::deque<sent_message>* highest = nullptr;
        for (auto level = queued.rbegin(); level != queued.rend(); ++level) {
          if (!level->empty()) {
            highest = &*level;
            break;
          }
        }
        if (highest == nullptr) {
          if (got.error != xipc::errc::would_block) std::abort();
          break;
        }
        const sent_message expected = highest->front();
        if (expected.size > room) {
          if (got.error != xipc::errc::message_too_large || got.bytes != expected.size) std::abort();
          break;
        }
        if (got.error || got.priority != static_cast<unsigned>(highest - queued.data()) ||
            !is_whole(std::span(buffer).first(got.bytes), expected)) {
          std::abort();
        }
        highest->pop_front();
        --count;
        break;
      }
      case 2: {  // another handle opens the queue, as a second process would
        queue = shm_backend::open(setup, why);
        if (!queue && !damaged) std::abort();
        break;
      }
      case 3: {  // the count every handle reads
        if (queue && !damaged && queue->size() != count) std::abort();
        break;
      }
      case 4: {  // a hostile write: any 8 bytes of the queue's area
        memory.overwrite_word(in);
        damaged = true;
        break;
      }
    }
  }
  return 0;
}
