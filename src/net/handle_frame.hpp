// The frame that carries passed handles: a fixed header, then the
// shared_memory names, then the message's bytes. Both ends are on one
// machine, so the fields are in its byte order. The handles themselves travel
// beside the frame (SCM_RIGHTS on POSIX, attached to its first byte) or, on
// Windows, as values in this process's table after the names.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <system_error>

#include <xipc/anonymous_memory.hpp>
#include <xipc/handle_passing.hpp>
#include <xipc/named_pipe.hpp>
#include <xipc/pipe.hpp>
#include <xipc/port.hpp>
#include <xipc/shared_memory.hpp>
#include <xipc/sockets.hpp>

#include "backend/handle_passing.hpp"
#include "core/setup_error.hpp"

namespace xipc::detail {

// Every passable type (each specializes handle_traits in its own header),
// for the explicit instantiations of the templates below.
#define XIPC_FOR_EACH_PASSABLE(X) \
  X(shared_memory)                \
  X(anonymous_memory)             \
  X(pipe_reader)                  \
  X(pipe_writer)                  \
  X(local_stream)                 \
  X(local_datagram)               \
  X(tcp_stream)                   \
  X(udp_socket)                   \
  X(port_right)

inline constexpr std::uint32_t handle_frame_magic = 0x48504958;  // "XIPH"
inline constexpr std::uint16_t handle_frame_version = 1;

struct handle_frame_entry {
  std::uint8_t kind;
  std::uint8_t writable;
  std::uint8_t name_bytes;  // shared_memory only; the name follows the header
  std::uint8_t reserved;
};

struct handle_frame_header {
  std::uint32_t magic;
  std::uint16_t version;
  std::uint16_t count;
  std::uint64_t payload_bytes;
  handle_frame_entry entries[max_passed_handles];
};
static_assert(sizeof(handle_frame_header) == 16 + 4 * max_passed_handles);

// The header and the names for `handles`: errc::invalid_argument when there
// are too many handles, one is closed, or a name does not fit.
std::error_code build_frame(const handle_list& handles, std::size_t payload_bytes, handle_frame_header& header,
                            std::string& names);

// Checks a header read from a peer; on success `names_bytes` is how many
// name bytes follow it. False with the reason otherwise.
bool check_frame(const handle_frame_header& header, std::size_t& names_bytes, std::string& reason);

struct handle_passing {
  // Fills `into` from a checked header, its names and the handles that
  // arrived, which it owns from now on (closed on failure too).
  // errc::corrupted when the count or a name is wrong.
  static std::error_code deliver(received_handles& into, const handle_frame_header& header, std::string_view names,
                                 std::span<received_handle> arrived);

  // Handle `index` of `from` as a T (see received_handles::take).
  template <passable T>
  static T take(received_handles& from, std::size_t index, failure& why);

  // Checks that `handle` is what `info` says and makes the object; the
  // handle is closed on failure.
  template <passable T>
  static T adopt(received_handle handle, const passed_handle_info& info, failure& why);
};


}  // namespace xipc::detail
