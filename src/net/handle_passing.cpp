// The portable half of handle passing: the frame, and handing received
// handles out as objects. The OS half (moving the handles, and whether one
// is what the frame says) is <backend>/handle_passing.cpp.
#include <xipc/handle_passing.hpp>
#include <xipc/name.hpp>

#include <fmt/format.h>

#include "net/handle_frame.hpp"
#include "backend/mapping.hpp"

namespace xipc {

const char* to_string(handle_kind kind) noexcept {
  switch (kind) {
    case handle_kind::shared_memory: return "shared_memory";
    case handle_kind::anonymous_memory: return "anonymous_memory";
    case handle_kind::pipe_reader: return "pipe_reader";
    case handle_kind::pipe_writer: return "pipe_writer";
    case handle_kind::local_stream: return "local_stream";
    case handle_kind::local_datagram: return "local_datagram";
    case handle_kind::tcp_stream: return "tcp_stream";
    case handle_kind::udp_socket: return "udp_socket";
    case handle_kind::port_right: return "port_right";
  }
  return "unknown";
}

native_handle_type received_handles::release(std::size_t index) noexcept {
  if (index >= entries_.size()) return invalid_native_handle;
  return entries_[index].handle.release();
}

template <passable T>
T received_handles::take(std::size_t index) {
  return detail::report_or_throw("received_handles", fmt::format("handle {}", index),
                                 [&](auto& why) { return detail::handle_passing::take<T>(*this, index, why); });
}

template <passable T>
T received_handles::take(std::size_t index, std::error_code& ec) {
  return detail::report_to(ec, [&](auto& why) { return detail::handle_passing::take<T>(*this, index, why); });
}

namespace detail {

std::error_code build_frame(const handle_list& handles, std::size_t payload_bytes, handle_frame_header& header,
                            std::string& names) {
  if (handles.size() > max_passed_handles) return make_error_code(errc::invalid_argument);
  header = handle_frame_header{handle_frame_magic, handle_frame_version, static_cast<std::uint16_t>(handles.size()),
                               payload_bytes, {}};
  names.clear();
  for (std::size_t i = 0; i < handles.size(); ++i) {
    const handle_list::entry& entry = handles.entries()[i];
    if (entry.handle == invalid_native_handle || entry.info.name.size() > max_name_bytes) {
      return make_error_code(errc::invalid_argument);
    }
    header.entries[i] = {static_cast<std::uint8_t>(entry.info.kind), entry.info.writable ? std::uint8_t{1} : std::uint8_t{0},
                         static_cast<std::uint8_t>(entry.info.name.size()), 0};
    names += entry.info.name;
  }
  return {};
}

bool check_frame(const handle_frame_header& header, std::size_t& names_bytes, std::string& reason) {
  if (header.magic != handle_frame_magic) {
    reason = fmt::format("magic {:#x}, not {:#x}: not a frame from send_handles", header.magic, handle_frame_magic);
    return false;
  }
  if (header.version != handle_frame_version) {
    reason = fmt::format("frame version {}, this side reads {}", header.version, handle_frame_version);
    return false;
  }
  if (header.count > max_passed_handles) {
    reason = fmt::format("{} handles announced, at most {}", header.count, max_passed_handles);
    return false;
  }
  names_bytes = 0;
  for (std::size_t i = 0; i < header.count; ++i) {
    const handle_frame_entry& entry = header.entries[i];
    if (entry.kind == 0 || entry.kind > handle_kind_count || entry.writable > 1) {
      reason = fmt::format("handle {} has kind {} and writable {}", i, entry.kind, entry.writable);
      return false;
    }
    const bool named = entry.kind == static_cast<std::uint8_t>(handle_kind::shared_memory);
    if ((entry.name_bytes != 0) != named || entry.name_bytes > max_name_bytes) {
      reason = fmt::format("handle {} ({}) has a name of {} bytes", i, to_string(handle_kind{entry.kind}),
                           entry.name_bytes);
      return false;
    }
    names_bytes += entry.name_bytes;
  }
  return true;
}

std::error_code handle_passing::deliver(received_handles& into, const handle_frame_header& header,
                                        std::string_view names, std::span<received_handle> arrived) {
  into.entries_.clear();
  if (arrived.size() != header.count) return make_error_code(errc::corrupted);  // `arrived` closes them
  into.entries_.reserve(arrived.size());
  for (std::size_t i = 0; i < arrived.size(); ++i) {
    const handle_frame_entry& entry = header.entries[i];
    passed_handle_info info{handle_kind{entry.kind}, entry.writable != 0, std::string(names.substr(0, entry.name_bytes))};
    names.remove_prefix(entry.name_bytes);
    if (!info.name.empty() && validate_name(info.name)) {
      into.entries_.clear();
      return make_error_code(errc::corrupted);
    }
    into.entries_.push_back({std::move(arrived[i]), std::move(info)});
  }
  return {};
}

template <passable T>
T handle_passing::take(received_handles& from, std::size_t index, failure& why) {
  if (index >= from.entries_.size()) {
    why = refuse(errc::out_of_range, fmt::format("the message brought {} handles", from.entries_.size()));
    return {};
  }
  auto& entry = from.entries_[index];
  if (entry.info.kind != handle_kind_of<T>) {
    why = refuse(errc::invalid_argument, fmt::format("it is a {}, not a {}", to_string(entry.info.kind),
                                                     to_string(handle_kind_of<T>)));
    return {};
  }
  if (!entry.handle.is_open()) {
    why = refuse(errc::not_found, "it was taken already");
    return {};
  }
  return adopt<T>(std::move(entry.handle), entry.info, why);
}

template <passable T>
T handle_passing::adopt(received_handle handle, const passed_handle_info& info, failure& why) {
  if (!passed_handle_fits(handle.native_handle(), info.kind, why)) return {};
  if constexpr (std::is_base_of_v<mapped_region, T>) {
    const access mode = info.writable ? access::read_write : access::read_only;
    const std::size_t size = object_size(handle.native_handle(), why);
    if (!why && size == 0) why = refuse(errc::corrupted, "the region behind the handle is empty");
    if (why) return {};
    const mapped_view view = map_view(handle.native_handle(), 0, size, mode, why);
    if (why) return {};
    if constexpr (std::is_same_v<T, shared_memory>) {
      return shared_memory(handle.release(), view, info.name);
    } else {
      return anonymous_memory(handle.release(), view);
    }
  } else {
    return T(handle.release());
  }
}

}  // namespace detail

#define XIPC_PASSABLE(T)                                               \
  template T received_handles::take<T>(std::size_t);                   \
  template T received_handles::take<T>(std::size_t, std::error_code&); \
  template T detail::handle_passing::take<T>(received_handles&, std::size_t, detail::failure&); \
  template T detail::handle_passing::adopt<T>(detail::received_handle, const passed_handle_info&, detail::failure&);
XIPC_FOR_EACH_PASSABLE(XIPC_PASSABLE)
#undef XIPC_PASSABLE

}  // namespace xipc
