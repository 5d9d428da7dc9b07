// Generic transfers written once against the concepts: whole buffers over
// byte streams, and trivially copyable values over message channels.
//
// Thread safety: these functions keep no state; the object they use must not
// be used by another thread in the same direction meanwhile.
#pragma once

#include <cstddef>
#include <cstring>
#include <span>
#include <system_error>
#include <type_traits>

#include <xipc/concepts.hpp>
#include <xipc/deadline.hpp>
#include <xipc/error.hpp>

namespace xipc {

// Writes every byte of `data`, looping over short writes. On error, bytes is
// how much was written before it.
template <byte_sink S>
io_result write_all(S& stream, std::span<const std::byte> data, deadline until = deadline::forever()) {
  io_result total;
  while (total.bytes < data.size()) {
    const io_result step = stream.write_some(data.subspan(total.bytes), until);
    total.bytes += step.bytes;
    if (step.error) {
      total.error = step.error;
      break;
    }
  }
  return total;
}

// Fills all of `buffer`, looping over short reads. A stream that ends first
// gives errc::end_of_stream with bytes set to what did arrive.
template <byte_source S>
io_result read_exact(S& stream, std::span<std::byte> buffer, deadline until = deadline::forever()) {
  io_result total;
  while (total.bytes < buffer.size()) {
    const io_result step = stream.read_some(buffer.subspan(total.bytes), until);
    total.bytes += step.bytes;
    if (step.error) {
      total.error = step.error;
      break;
    }
  }
  return total;
}

// Sends the bytes of one trivially copyable value as one message.
template <class T, message_sender S>
  requires std::is_trivially_copyable_v<T>
std::error_code send_value(S& sender, const T& value, deadline until = deadline::forever()) {
  return sender.send(std::as_bytes(std::span<const T, 1>(&value, 1)), until);
}

// Receives one message into `value`. A message of another size than T is
// errc::corrupted (a smaller one is consumed; a larger one stays queued, as
// the receiver reports it too large for the buffer).
template <class T, message_receiver R>
  requires std::is_trivially_copyable_v<T>
std::error_code receive_value(R& receiver, T& value, deadline until = deadline::forever()) {
  // Received into raw bytes, so that T need not be default-constructible.
  alignas(T) std::byte incoming[sizeof(T)];
  const io_result got = receiver.receive(std::span<std::byte>(incoming), until);
  if (got.error == errc::message_too_large) return make_error_code(errc::corrupted);
  if (got.error) return got.error;
  if (got.bytes != sizeof(T)) return make_error_code(errc::corrupted);
  std::memcpy(&value, incoming, sizeof(T));
  return {};
}

}  // namespace xipc
