// What makes an xipc type passable to another process (xipc/handle_passing.hpp):
// its handle_kind, which names it on the wire. Each passable type's own
// header specializes handle_traits for it, so that this header, and
// handle_passing.hpp, need no transport's header. A new passable type adds
// an enumerator here (the wire format's list) and the specialization beside
// its own class.
//
// Thread safety: compile-time declarations only.
#pragma once

#include <concepts>
#include <cstdint>

namespace xipc {

// What a passed handle is; the receiver can take it only as this type. The
// enumerators are named after the types. GCC 12's -Wshadow takes a scoped
// enumerator named like a type alias for shadowing, which it cannot be.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wshadow"
#endif
enum class handle_kind : std::uint8_t {
  shared_memory = 1,
  anonymous_memory,
  pipe_reader,
  pipe_writer,
  local_stream,
  local_datagram,
  tcp_stream,
  udp_socket,
  port_right,
};
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
inline constexpr std::uint8_t handle_kind_count = 9;

const char* to_string(handle_kind kind) noexcept;

// Specialized by each passable type, beside it:
//   template <> struct handle_traits<T> : passable_as<handle_kind::...> {};
template <class T>
struct handle_traits {};

// What a specialization of handle_traits derives from.
template <handle_kind Kind>
struct passable_as {
  static constexpr handle_kind kind = Kind;
};

template <class T>
concept passable = requires {
  { handle_traits<T>::kind } -> std::convertible_to<handle_kind>;
};

// The kind a passable type travels as.
template <passable T>
inline constexpr handle_kind handle_kind_of = handle_traits<T>::kind;

}  // namespace xipc
