#include "port/port_section.hpp"

#include <fmt/format.h>

#include <limits>

namespace xipc::detail {

bool port_section_writer::reserve(std::uint64_t length, std::uint64_t released, std::uint64_t& position, bool& corrupt,
                                  std::string& reason) noexcept {
  corrupt = false;
  if (released < last_released_ || released > head_) {
    corrupt = true;
    try {
      reason = fmt::format("the receiver's released count {} is outside [{}, {}]", released, last_released_, head_);
    } catch (...) {
    }
    return false;
  }
  last_released_ = released;
  if (length == 0 || length > capacity_) {
    corrupt = true;
    return false;
  }
  std::uint64_t start = head_;
  const std::uint64_t offset = start % capacity_;
  if (offset + length > capacity_) start += capacity_ - offset;  // it would cross the end: begin at the start
  // Room taken is [released, head_); the skip before `start` is not. With
  // nothing taken, anywhere will do.
  if (released != head_ && start + length - released > capacity_) return false;
  head_ = start + length;
  position = start;
  return true;
}

bool port_section_reader::accept(std::uint64_t position, std::uint64_t length, std::size_t& offset,
                                 std::string& reason) {
  if (length == 0 || length > capacity_) {
    reason = fmt::format("a section message of {} bytes (the half holds {})", length, capacity_);
    return false;
  }
  if (position < next_) {
    reason = fmt::format("a section message at {}, before the previous one's end {}", position, next_);
    return false;
  }
  if (position - next_ >= capacity_ || position > std::numeric_limits<std::uint64_t>::max() - length) {
    reason = fmt::format("a section message at {}, more than the half past the previous one's end {}", position, next_);
    return false;
  }
  const std::uint64_t start = position % capacity_;
  if (start + length > capacity_) {
    reason = fmt::format("a section message of {} bytes at offset {}, past the half's end {}", length, start, capacity_);
    return false;
  }
  if (released_ != next_ && position + length - released_ > capacity_) {
    reason = fmt::format("a section message ending at {}, over room not released yet (released {}, half {})",
                         position + length, released_, capacity_);
    return false;
  }
  held_.push_back({position + length, false});
  next_ = position + length;
  offset = static_cast<std::size_t>(start);
  return true;
}

std::uint64_t port_section_reader::release(std::uint64_t end) noexcept {
  for (auto& message : held_) {
    if (message.end == end && !message.released) {
      message.released = true;
      break;
    }
  }
  bool moved = false;
  while (!held_.empty() && held_.front().released) {
    released_ = held_.front().end;
    held_.pop_front();
    moved = true;
  }
  return moved ? released_ : 0;
}

}  // namespace xipc::detail
