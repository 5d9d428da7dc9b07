// Minimal in-memory types that model the concepts, so that generic code can
// be tested without any OS object. Single-threaded: where a real transport
// would wait, these report errc::would_block (immediate deadline) or
// errc::timed_out (any other deadline).
#pragma once

#include <algorithm>
#include <cstddef>
#include <deque>
#include <limits>
#include <span>
#include <vector>

#include <xipc/concepts.hpp>
#include <xipc/error.hpp>

namespace xipc::test {

inline std::error_code nothing_to_do(deadline until) {
  return make_error_code(until.is_immediate() ? errc::would_block : errc::timed_out);
}

// A byte stream that moves at most `chunk` bytes a call, to exercise short reads and writes.
class memory_stream {
 public:
  explicit memory_stream(std::size_t chunk = 3) : chunk_(chunk) {}

  io_result read_some(std::span<std::byte> buffer, deadline until) {
    if (buffer.empty()) return {};
    if (bytes_.empty()) return {0, writer_closed_ ? make_error_code(errc::end_of_stream) : nothing_to_do(until)};
    const std::size_t n = std::min({buffer.size(), bytes_.size(), chunk_});
    std::copy_n(bytes_.begin(), n, buffer.begin());
    bytes_.erase(bytes_.begin(), bytes_.begin() + static_cast<std::ptrdiff_t>(n));
    return {n, {}};
  }

  io_result write_some(std::span<const std::byte> data, deadline) {
    if (data.empty()) return {};
    if (accept_left_ == 0) return {0, make_error_code(errc::peer_closed)};
    const std::size_t n = std::min({data.size(), chunk_, accept_left_});
    bytes_.insert(bytes_.end(), data.begin(), data.begin() + static_cast<std::ptrdiff_t>(n));
    accept_left_ -= n;
    return {n, {}};
  }

  // Reads drain what is buffered, then report end of stream.
  void close_writer() { writer_closed_ = true; }
  // The reader "goes away" after `bytes` more bytes: writes then fail with peer_closed.
  void close_reader_after(std::size_t bytes) { accept_left_ = bytes; }

 private:
  std::size_t chunk_;
  std::deque<std::byte> bytes_;
  bool writer_closed_ = false;
  std::size_t accept_left_ = std::numeric_limits<std::size_t>::max();
};

// A bounded queue of whole messages.
class memory_channel {
 public:
  memory_channel(std::size_t capacity, std::size_t max_message_bytes)
      : capacity_(capacity), max_message_bytes_(max_message_bytes) {}

  std::error_code send(std::span<const std::byte> message, deadline until) {
    if (message.size() > max_message_bytes_) return make_error_code(errc::message_too_large);
    if (queue_.size() >= capacity_) return nothing_to_do(until);
    queue_.emplace_back(message.begin(), message.end());
    return {};
  }
  std::error_code try_send(std::span<const std::byte> message) { return send(message, deadline::immediately()); }

  io_result receive(std::span<std::byte> buffer, deadline until) {
    if (queue_.empty()) return {0, nothing_to_do(until)};
    const auto& front = queue_.front();
    if (front.size() > buffer.size()) return {front.size(), make_error_code(errc::message_too_large)};
    const std::size_t n = front.size();
    std::copy(front.begin(), front.end(), buffer.begin());
    queue_.pop_front();
    return {n, {}};
  }
  io_result try_receive(std::span<std::byte> buffer) { return receive(buffer, deadline::immediately()); }

  std::size_t queued() const { return queue_.size(); }

 private:
  std::size_t capacity_;
  std::size_t max_message_bytes_;
  std::deque<std::vector<std::byte>> queue_;
};

// Holds bytes in a vector: the smallest memory_region.
struct memory_buffer {
  std::vector<std::byte> bytes;
  const std::byte* data() const { return bytes.data(); }
  std::size_t size() const { return bytes.size(); }
};

}  // namespace xipc::test
