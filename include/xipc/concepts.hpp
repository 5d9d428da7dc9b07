// The three interfaces every xipc transport is written against. Each is also
// a requirements table in docs/concepts.md; generic code (io.hpp, the
// conformance tests, the benchmarks) is written once against these.
//
// Thread safety: concepts and io_result values carry no state of their own.
#pragma once

#include <concepts>
#include <cstddef>
#include <span>
#include <system_error>

#include <xipc/deadline.hpp>

namespace xipc {

// The outcome of a data transfer: how many bytes moved, and why it stopped
// short if it did. A transfer may move bytes and still report an error
// (a partial write before the peer closed).
struct io_result {
  std::size_t bytes = 0;
  std::error_code error;

  explicit operator bool() const noexcept { return !error; }
};

// The reading half of an ordered, reliable stream of bytes without message
// boundaries: pipe read ends, FIFO readers, stream sockets.
//   read_some: waits until at least one byte is available (or the deadline
//     passes), then moves up to buffer.size() bytes; errc::end_of_stream once
//     every writer is closed and the stream is drained.
template <class S>
concept byte_source = requires(S& s, std::span<std::byte> buffer, deadline d) {
  { s.read_some(buffer, d) } -> std::same_as<io_result>;
};

// The writing half.
//   write_some: waits until at least one byte can be written, then moves up to
//     data.size() bytes; errc::peer_closed when no reader is left (never a signal).
template <class S>
concept byte_sink = requires(S& s, std::span<const std::byte> data, deadline d) {
  { s.write_some(data, d) } -> std::same_as<io_result>;
};

// Both halves in one object: stream sockets, byte-mode named pipes. A pipe's
// ends are one half each: a byte_source and a byte_sink.
template <class S>
concept byte_stream = byte_source<S> && byte_sink<S>;

// Sends whole messages: a message arrives whole or not at all.
//   send: waits for room until the deadline; errc::message_too_large (nothing
//     sent) when the message exceeds the channel's maximum.
//   try_send: never waits; errc::would_block when there is no room.
template <class S>
concept message_sender = requires(S& s, std::span<const std::byte> message, deadline d) {
  { s.send(message, d) } -> std::same_as<std::error_code>;
  { s.try_send(message) } -> std::same_as<std::error_code>;
};

// Receives whole messages, boundaries kept.
//   receive: waits for a message until the deadline and copies it into the
//     buffer; io_result::bytes is the message's size. When the buffer is too
//     small the result is errc::message_too_large, bytes is the size needed,
//     and the message stays queued.
//   try_receive: never waits; errc::would_block when nothing is queued.
// Both return an io_result, or a type derived from it that tells more (a
// mailbox adds the message's priority).
template <class R>
concept message_receiver = requires(R& r, std::span<std::byte> buffer, deadline d) {
  { r.receive(buffer, d) } -> std::derived_from<io_result>;
  { r.try_receive(buffer) } -> std::derived_from<io_result>;
};

// Both ends of a message transport in one object.
template <class C>
concept message_channel = message_sender<C> && message_receiver<C>;

// A contiguous range of memory: shared memory, anonymous memory, mapped files.
//   data(): the first byte; valid for the object's lifetime.
//   size(): the number of bytes that may be accessed from data().
template <class M>
concept memory_region = requires(const M& m) {
  { m.data() } -> std::convertible_to<const std::byte*>;
  { m.size() } -> std::same_as<std::size_t>;
};

}  // namespace xipc
