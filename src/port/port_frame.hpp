// What travels through a port's kernel channel: one frame per message, a
// fixed header followed by the bytes of a small message, or by nothing when
// the message is in the section (the header then says where). Both ends are
// on one machine, so fields are in its byte order. Nothing in a frame is
// trusted: check_frame is the one door every received frame goes through,
// and it is fuzzed (tests/fuzz/port_frame_fuzz.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace xipc::detail {

inline constexpr std::uint32_t port_frame_magic = 0x50504958;  // "XIPP"
inline constexpr std::uint16_t port_frame_version = 1;

// The most bytes a message may carry inline, whatever the server asks for:
// what a seqpacket socket's default buffers carry in one message.
inline constexpr std::size_t port_max_inline_limit = 64 * 1024;

enum class port_frame_kind : std::uint8_t {
  welcome = 1,  // server to client, once: the connection's settings (and the section's handle beside it)
  refused = 2,  // server to client, once: not allowed; the connection closes
  message = 3,  // a plain message
  request = 4,  // a call: answer with a reply of the same id
  reply = 5,    // the answer to the sender's own call `call_id`
  connect = 6,  // client to server: a new connection made for another process (port::make_right), whose
                // server end and section follow as handles
};

inline constexpr std::uint8_t port_frame_in_section = 1;  // the bytes are in the sender's half of the section
inline constexpr std::uint8_t port_frame_with_handles = 2;  // handles follow: the next message is send_handles' frame
inline constexpr std::uint8_t port_frame_known_flags = port_frame_in_section | port_frame_with_handles;

struct port_frame_header {
  std::uint32_t magic;
  std::uint16_t version;
  std::uint8_t kind;
  std::uint8_t flags;
  std::uint64_t call_id;   // request and reply: not 0; otherwise 0
  std::uint64_t length;    // the message's bytes
  std::uint64_t position;  // in_section: where they start in the sender's half, as a running byte count; else 0
};
static_assert(sizeof(port_frame_header) == 32);

// The settings a welcome frame carries after its header.
struct port_welcome {
  std::uint64_t inline_limit;
  std::uint64_t section_bytes;  // per direction; 0: no section
};

inline constexpr std::size_t port_frame_bytes(std::size_t inline_limit) {
  return sizeof(port_frame_header) + inline_limit;
}

// Checks a frame of `frame.size()` bytes received on a connection whose
// inline limit is `inline_limit` and whose section halves hold
// `section_bytes` each. On success `header` is a copy of the header and the
// inline bytes, if any, follow it in `frame`; the section position is NOT yet
// checked against the receiver's state (port_section_reader::accept does
// that). On failure the reason says what was wrong.
bool check_frame(std::span<const std::byte> frame, std::size_t inline_limit, std::size_t section_bytes,
                 port_frame_header& header, std::string& reason);

}  // namespace xipc::detail
