// libFuzzer target: the checks a port applies to what its peer sends. An
// honest sender and receiver share a section while the input also feeds
// hostile frames and hostile released counts to a second pair. Honest
// traffic must always be accepted; hostile values must be refused or stay
// inside the section (checked here), and nothing may read out of bounds
// (AddressSanitizer watches).
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <span>
#include <string>
#include <vector>

#include "port/port_frame.hpp"
#include "port/port_section.hpp"

#include "fuzz_script.hpp"

namespace {

constexpr std::uint64_t capacity = 4096;
constexpr std::size_t inline_limit = 64;

using xipc::fuzz::script;

void check_inside(std::size_t offset, std::uint64_t length) {
  if (length == 0 || length > capacity || offset + length > capacity) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* input, std::size_t size) {
  using namespace xipc::detail;
  script in(input, size);
  port_section_writer writer(capacity);
  port_section_reader reader(capacity);
  std::deque<std::uint64_t> held;  // ends of honest messages not yet released
  std::uint64_t released = 0;
  port_section_writer hostile_writer(capacity);
  port_section_reader hostile_reader(capacity);
  std::string reason;
  while (!in.done()) {
    switch (in.byte() % 5) {
      case 0: {  // an honest message
        const std::uint64_t length = 1 + in.u16() % capacity;
        std::uint64_t position = 0;
        bool corrupt = false;
        if (writer.reserve(length, released, position, corrupt, reason)) {
          std::size_t offset = 0;
          if (!reader.accept(position, length, offset, reason)) std::abort();  // honest traffic refused
          check_inside(offset, length);
          held.push_back(position + length);
        } else if (corrupt) {
          std::abort();  // an honest released count taken for corruption
        }
        break;
      }
      case 1: {  // the receiver gives one back, in any order
        if (held.empty()) break;
        const std::size_t index = in.byte() % held.size();
        const std::uint64_t end = held[index];
        held.erase(held.begin() + static_cast<std::ptrdiff_t>(index));
        if (const std::uint64_t moved = reader.release(end); moved != 0) {
          if (moved < released) std::abort();
          released = moved;
        }
        break;
      }
      case 2: {  // a hostile frame
        std::vector<std::byte> frame(in.byte() % 128);
        for (auto& b : frame) b = std::byte{in.byte()};
        if (in.byte() % 2 == 0 && frame.size() >= sizeof(port_frame_header)) {
          // A header that passes the cheap checks, to reach the section's.
          port_frame_header header{port_frame_magic, port_frame_version, in.byte(), in.byte(), in.u64(), in.u64(),
                                   in.u64()};
          std::memcpy(frame.data(), &header, sizeof header);
        }
        port_frame_header header{};
        if (check_frame(frame, inline_limit, capacity, header, reason)) {
          if ((header.flags & port_frame_in_section) != 0) {
            std::size_t offset = 0;
            if (hostile_reader.accept(header.position, header.length, offset, reason)) check_inside(offset, header.length);
          } else if (header.length != frame.size() - sizeof header || header.length > inline_limit) {
            std::abort();
          }
        }
        break;
      }
      case 3: {  // a hostile position straight to the receiver's check
        std::size_t offset = 0;
        const std::uint64_t position = in.u64();
        const std::uint64_t length = in.u16();
        if (hostile_reader.accept(position, length, offset, reason)) check_inside(offset, length);
        if (in.byte() % 2 == 0) hostile_reader.release(position + length);
        break;
      }
      default: {  // a hostile released count
        std::uint64_t position = 0;
        bool corrupt = false;
        const std::uint64_t length = 1 + in.u16() % capacity;
        if (hostile_writer.reserve(length, in.u64(), position, corrupt, reason)) check_inside(position % capacity, length);
        break;
      }
    }
  }
  return 0;
}
