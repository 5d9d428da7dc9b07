// A port connection's section: one shared region with a half for each
// direction. The sender of a direction allocates room in its half as a byte
// ring (a running count `head`, wrapping to the half's start when a message
// would not fit before its end); the receiver gives room back by publishing,
// in the section's header, how far it has released. Only positions and
// lengths travel in frames, and both sides check every value they read: the
// receiver each frame's place against what it has seen, the sender the
// released count against what it has handed out.
//
//   [ header page | client-to-server half | server-to-client half ]
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>

#include <xipc/detail/wait_word.hpp>

namespace xipc::detail {

inline constexpr std::uint32_t port_section_magic = 0x53504958;  // "XIPS"
inline constexpr std::uint32_t port_section_version = 2;
inline constexpr std::size_t port_section_header_bytes = 4096;

// The direction a half carries.
enum class port_direction : unsigned { client_to_server = 0, server_to_client = 1 };

struct alignas(64) port_section_lane {
  std::atomic<std::uint64_t> released;      // written by the receiver: the sender may reuse room below this
  std::atomic<std::uint64_t> sender_token;  // the sending process, for its receiver's liveness checks
  wait_word room;                           // the sender sleeps here for room
  std::atomic<std::uint32_t> sleepers;
};

struct port_section_header {
  std::uint32_t magic;
  std::uint32_t version;
  std::uint64_t half_bytes;
  port_section_lane lanes[2];
};
static_assert(sizeof(port_section_header) <= port_section_header_bytes);

// The region's size for halves of `half_bytes`.
inline constexpr std::size_t port_section_size(std::size_t half_bytes) {
  return port_section_header_bytes + 2 * half_bytes;
}

// Where a half starts in the region.
inline constexpr std::size_t port_half_offset(port_direction direction, std::size_t half_bytes) {
  return port_section_header_bytes + static_cast<std::size_t>(direction) * half_bytes;
}

// The sending side's bookkeeping, in its own memory.
class port_section_writer {
 public:
  explicit port_section_writer(std::uint64_t capacity = 0) noexcept : capacity_(capacity) {}

  // Room for `length` bytes, given the receiver's published `released`: true
  // with `position` set and the room taken; false with `corrupt` unset when
  // there is not enough room yet; false with `corrupt` set (and `reason`)
  // when `released` is a value the receiver could not have written.
  bool reserve(std::uint64_t length, std::uint64_t released, std::uint64_t& position, bool& corrupt,
               std::string& reason) noexcept;

  std::uint64_t capacity() const noexcept { return capacity_; }

 private:
  std::uint64_t capacity_;
  std::uint64_t head_ = 0;           // running count of bytes handed out, skips included
  std::uint64_t last_released_ = 0;  // the receiver's count never moves back
};

// The receiving side's bookkeeping, in its own memory: which messages of the
// peer's half it holds, in arrival order, and how far it has released.
class port_section_reader {
 public:
  explicit port_section_reader(std::uint64_t capacity = 0) noexcept : capacity_(capacity) {}

  // Checks a frame's place: it must lie inside the half without wrapping,
  // come after the previous one, and not overlap room not yet released. True
  // with `offset` (from the half's start) and the message now held; false
  // with the reason.
  bool accept(std::uint64_t position, std::uint64_t length, std::size_t& offset, std::string& reason);

  // Gives back the message that ends at `end`; returns the new released
  // count when it moved (messages are given back in any order; the count
  // moves over those released in a row from the oldest), else 0.
  std::uint64_t release(std::uint64_t end) noexcept;

  std::size_t held() const noexcept { return held_.size(); }

 private:
  struct held_message {
    std::uint64_t end;
    bool released;
  };
  std::uint64_t capacity_;
  std::uint64_t next_ = 0;      // where the previous message ended
  std::uint64_t released_ = 0;  // what was published
  std::deque<held_message> held_;
};

}  // namespace xipc::detail
