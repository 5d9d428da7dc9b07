// Open xipc objects carried in a message to another process. The receiver
// gets its own handles to the same objects, and takes each one as an owned
// object of the right type.
//
//   xipc::handle_list out;
//   out.add(region).add(writer);                         // shared_memory, pipe_writer
//   xipc::send_handles(connection, out, bytes, 5s);      // a named_pipe or local socket
//
//   xipc::received_handles in;
//   auto got = xipc::receive_handles(connection, buffer, in, 5s);
//   auto region = in.take<xipc::shared_memory>(0);
//   auto writer = in.take<xipc::pipe_writer>(1);
//
// POSIX: SCM_RIGHTS over the Unix-domain socket (a named_pipe is one).
// Windows: over a named_pipe only; the sender duplicates each handle into
// the receiving process (DuplicateHandle, WSADuplicateSocketW for sockets).
// See docs/sockets.md, "Handle passing".
//
// Thread safety: the functions may be called from many threads, on different
// connections; a handle_list or received_handles is used by one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include <xipc/concepts.hpp>
#include <xipc/deadline.hpp>
#include <xipc/error.hpp>
#include <xipc/passable.hpp>
#include <xipc/detail/mapped_region.hpp>
#include <xipc/detail/owned_handle.hpp>

namespace xipc {

// The transports that carry handles (their own headers define them).
class shared_memory;
class named_pipe;
struct local_stream_protocol;
struct local_datagram_protocol;
template <class Protocol>
class basic_stream;
template <class Protocol>
class basic_datagram;
using local_stream = basic_stream<local_stream_protocol>;
using local_datagram = basic_datagram<local_datagram_protocol>;

// The most handles one message carries.
inline constexpr std::size_t max_passed_handles = 16;

// One passed handle as the frame describes it: its kind, whether a memory
// region is mapped writable, and a shared_memory's portable name.
struct passed_handle_info {
  handle_kind kind{};
  bool writable = false;
  std::string name;
};

// The objects a message will carry. It borrows their handles: the objects
// stay the sender's and stay open.
class handle_list {
 public:
  template <passable T>
  handle_list& add(const T& object) {
    passed_handle_info info{handle_kind_of<T>, false, {}};
    if constexpr (std::is_base_of_v<detail::mapped_region, T>) info.writable = object.writable();
    if constexpr (std::is_same_v<T, shared_memory>) info.name = object.name();
    entries_.push_back({object.native_handle(), std::move(info)});
    return *this;
  }

  std::size_t size() const noexcept { return entries_.size(); }

  struct entry {
    native_handle_type handle;
    passed_handle_info info;
  };
  std::span<const entry> entries() const noexcept { return entries_; }

 private:
  std::vector<entry> entries_;
};

namespace detail {
struct handle_passing;

// A received handle, closed as what it is: a socket with closesocket on
// Windows, where CloseHandle would leak Winsock's state.
class received_handle {
 public:
  received_handle() noexcept = default;
  received_handle(native_handle_type handle, bool socket) noexcept : handle_(handle), socket_(socket) {}
  received_handle(received_handle&& other) noexcept
      : handle_(std::exchange(other.handle_, invalid_native_handle)), socket_(other.socket_) {}
  received_handle& operator=(received_handle&& other) noexcept {
    if (this != &other) {
      reset();
      handle_ = std::exchange(other.handle_, invalid_native_handle);
      socket_ = other.socket_;
    }
    return *this;
  }
  ~received_handle() { reset(); }

  bool is_open() const noexcept { return handle_ != invalid_native_handle; }
  native_handle_type native_handle() const noexcept { return handle_; }
  native_handle_type release() noexcept { return std::exchange(handle_, invalid_native_handle); }

 private:
  void reset() noexcept {
    if (handle_ != invalid_native_handle) (socket_ ? close_native_socket : close_native_handle)(handle_);
    handle_ = invalid_native_handle;
  }
  native_handle_type handle_ = invalid_native_handle;
  bool socket_ = false;
};
}  // namespace detail

// The handles a message brought. Each is taken once, as its own type; those
// not taken are closed with this object.
class received_handles {
 public:
  received_handles() = default;
  received_handles(received_handles&&) noexcept = default;
  received_handles& operator=(received_handles&&) noexcept = default;

  std::size_t size() const noexcept { return entries_.size(); }
  // What handle `index` is (std::out_of_range past the end).
  const passed_handle_info& info(std::size_t index) const { return entries_.at(index).info; }

  // Handle `index` as a T: errc::out_of_range past the end, errc::invalid_argument
  // when it is another kind, errc::not_found when already taken, errc::corrupted
  // when the OS object is not what the sender said it was.
  template <passable T>
  T take(std::size_t index);
  template <passable T>
  T take(std::size_t index, std::error_code& ec);

  // Handle `index`, raw, for code of the caller's own (an event loop, say); invalid_native_handle when taken.
  native_handle_type release(std::size_t index) noexcept;

  // Closes every handle not taken.
  void clear() noexcept { entries_.clear(); }

 private:
  friend struct detail::handle_passing;
  struct entry {
    detail::received_handle handle;
    passed_handle_info info;
  };
  std::vector<entry> entries_;
};

// Sends `bytes` with the handles in `handles` (at most max_passed_handles).
// A datagram socket sends one datagram; a stream writes one frame, and a
// deadline that passes after the first byte leaves it partial (close the
// stream then). errc::invalid_argument for too many handles or a closed object.
std::error_code send_handles(local_stream& socket, const handle_list& handles, std::span<const std::byte> bytes,
                             deadline until = deadline::forever());
std::error_code send_handles(local_datagram& socket, const handle_list& handles, std::span<const std::byte> bytes,
                             deadline until = deadline::forever());
// A named_pipe carries them on every OS: in byte mode as on a stream, in
// message mode as one message (as on a datagram socket). Windows: the peer
// must be a process this one may duplicate handles into (PROCESS_DUP_HANDLE:
// the same user, as a rule), else errc::permission_denied; the
// local_stream and local_datagram overloads are errc::invalid_argument there
// (Windows AF_UNIX carries no handles).
std::error_code send_handles(named_pipe& pipe, const handle_list& handles, std::span<const std::byte> bytes,
                             deadline until = deadline::forever());

// Receives one message sent by send_handles: its bytes into `buffer` and its
// handles into `handles` (replacing what was there). The count is the size
// of the message's bytes. Errors:
//  - errc::message_too_large, buffer too small. A datagram stays queued and
//    no handle is received. On a stream the handles are received, the
//    buffer is filled, and the rest of the bytes are the next ones on the stream.
//  - errc::message_too_large, control data truncated (MSG_CTRUNC: more
//    handles than max_passed_handles, or the process out of descriptors):
//    what arrived is closed; no handle is received.
//  - errc::corrupted: not a frame from send_handles (bad magic, version,
//    kinds, names, or a handle count that differs from what arrived); every
//    received handle is closed. A stream is out of step afterwards.
// Windows: the sender put the handles into this process when it sent. A
// message never received keeps them open until this process ends, and a
// frame with a bad header names values that cannot be trusted to be its
// handles, so nothing is closed for it.
io_result receive_handles(local_stream& socket, std::span<std::byte> buffer, received_handles& handles,
                          deadline until = deadline::forever());
io_result receive_handles(local_datagram& socket, std::span<std::byte> buffer, received_handles& handles,
                          deadline until = deadline::forever());
io_result receive_handles(named_pipe& pipe, std::span<std::byte> buffer, received_handles& handles,
                          deadline until = deadline::forever());

}  // namespace xipc
