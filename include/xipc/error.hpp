// xipc's error codes. Setup calls (create, open, connect, spawn) throw
// std::system_error carrying one of these, or fill a std::error_code& in
// their non-throwing overload; operations that fail as part of normal life
// (timeout, would block, peer closed) return them and never throw.
//
// Thread safety: errc and error_category() are safe to use from any thread.
#pragma once

#include <system_error>
#include <type_traits>

namespace xipc {

enum class errc {
  // 0 is reserved for success, as std::error_code requires.
  timed_out = 1,      // the deadline passed before the operation could complete
  would_block,        // a try_ operation found nothing to do without waiting
  peer_closed,        // the other side closed or died
  end_of_stream,      // a byte stream was read after every writer closed
  message_too_large,  // a message exceeds the object's maximum, or the receive buffer
  corrupted,          // data read from shared memory or a peer failed a check
  already_exists,     // exclusive creation found the object present
  not_found,          // the named object does not exist
  invalid_name,       // the name breaks the portable-name rules
  invalid_argument,   // a size, mode or option the operation cannot accept
  out_of_range,       // an offset or length beyond the object's end
  busy,               // the object is in use in a way that excludes this caller
  permission_denied,  // the OS or the object's access mode forbids the operation
  owner_died,         // a process_mutex was taken from a holder that died: held, repair what it protects
  not_recoverable,    // a process_mutex was unlocked after owner_died without repair: it cannot be locked
  not_supported,      // this OS or build has no way to do it (the message says what instead)
};

// The category of xipc::errc; its name() is "xipc".
const std::error_category& error_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), error_category()};
}

}  // namespace xipc

template <>
struct std::is_error_code_enum<xipc::errc> : std::true_type {};
