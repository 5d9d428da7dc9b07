#include "port/port_frame.hpp"

#include <fmt/format.h>

#include <cstring>

namespace xipc::detail {
namespace {

bool fail(std::string& reason, std::string text) {
  reason = std::move(text);
  return false;
}

}  // namespace

bool check_frame(std::span<const std::byte> frame, std::size_t inline_limit, std::size_t section_bytes,
                 port_frame_header& header, std::string& reason) {
  if (frame.size() < sizeof header) {
    return fail(reason, fmt::format("a frame of {} bytes, shorter than its header ({})", frame.size(), sizeof header));
  }
  std::memcpy(&header, frame.data(), sizeof header);
  if (header.magic != port_frame_magic) return fail(reason, fmt::format("bad frame magic {:#x}", header.magic));
  if (header.version != port_frame_version) {
    return fail(reason, fmt::format("frame version {}, expected {}", header.version, port_frame_version));
  }
  const auto kind = static_cast<port_frame_kind>(header.kind);
  if (kind < port_frame_kind::welcome || kind > port_frame_kind::connect) {
    return fail(reason, fmt::format("unknown frame kind {}", header.kind));
  }
  if ((header.flags & ~port_frame_known_flags) != 0) return fail(reason, fmt::format("unknown frame flags {:#x}", header.flags));
  const bool call = kind == port_frame_kind::request || kind == port_frame_kind::reply;
  if (call != (header.call_id != 0)) {
    return fail(reason, fmt::format("a {} frame with call id {}", call ? "call" : "non-call", header.call_id));
  }
  const bool connect = kind == port_frame_kind::connect;
  if ((header.flags & port_frame_with_handles) != 0 && kind != port_frame_kind::message && !connect) {
    return fail(reason, fmt::format("a frame of kind {} with handles", header.kind));
  }
  if (connect && (header.flags != port_frame_with_handles || header.length != 0 || frame.size() != sizeof header)) {
    return fail(reason, fmt::format("a connect frame with flags {:#x} and {} bytes (it has handles and no bytes)",
                                    header.flags, header.length));
  }
  const std::size_t carried = frame.size() - sizeof header;
  if ((header.flags & port_frame_in_section) != 0) {
    if (kind != port_frame_kind::message && kind != port_frame_kind::request && kind != port_frame_kind::reply) {
      return fail(reason, fmt::format("a frame of kind {} in the section", header.kind));
    }
    if (carried != 0) return fail(reason, fmt::format("a section frame carrying {} bytes inline", carried));
    if (header.length == 0 || header.length > section_bytes) {
      return fail(reason, fmt::format("a section message of {} bytes (the half holds {})", header.length, section_bytes));
    }
    return true;
  }
  if (header.position != 0) return fail(reason, fmt::format("an inline frame at position {}", header.position));
  if (header.length != carried) {
    return fail(reason, fmt::format("a frame saying {} bytes but carrying {}", header.length, carried));
  }
  if (carried > inline_limit) {
    return fail(reason, fmt::format("{} bytes inline, above the limit of {}", carried, inline_limit));
  }
  if (kind == port_frame_kind::welcome && carried != sizeof(port_welcome)) {
    return fail(reason, fmt::format("a welcome of {} bytes, expected {}", carried, sizeof(port_welcome)));
  }
  return true;
}

}  // namespace xipc::detail
