// Handle passing on Windows, over a named pipe. Windows has no SCM_RIGHTS
// (nor does its AF_UNIX), so the sender does what the kernel does there: it
// duplicates each handle into the receiving process, whose id the pipe
// knows (DuplicateHandle; WSADuplicateSocketW for a socket, as Winsock
// requires), and writes the new values after the frame's names. The
// receiver makes them objects after checking that each is what the frame
// says. Both sides must be allowed PROCESS_DUP_HANDLE on the other's
// process, which is the same user, as a rule: such a peer could take any
// handle of ours anyway, so the values it sends are no new trust.
#include <xipc/handle_passing.hpp>
#include <xipc/io.hpp>

#include <winsock2.h>
#include <windows.h>
#include <winternl.h>

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "net/handle_frame.hpp"
#include "backend/mapping.hpp"
#include "net/socket_api.hpp"
#include "win32/os_error.hpp"
#include "win32/pipe_instance.hpp"

namespace xipc {
namespace {

using detail::handle_frame_header;
using detail::received_handle;

// One passed handle after the names: its value in the receiver's table, or,
// for a socket, what WSADuplicateSocketW made for the receiver.
struct handle_record {
  std::uint64_t value;
  WSAPROTOCOL_INFOW socket;
};

bool is_socket(handle_kind kind) noexcept {
  return kind == handle_kind::local_stream || kind == handle_kind::local_datagram || kind == handle_kind::tcp_stream ||
         kind == handle_kind::udp_socket;
}

// The process at the other end of a named pipe connection.
DWORD peer_process_id(HANDLE pipe) {
  ULONG client = 0;
  ULONG server = 0;
  if (!::GetNamedPipeClientProcessId(pipe, &client) || !::GetNamedPipeServerProcessId(pipe, &server)) return 0;
  return client == ::GetCurrentProcessId() ? server : client;
}

// The duplicates made in the peer for one frame: closed there again unless
// the frame was sent (committed).
class pushed_handles {
 public:
  ~pushed_handles() {
    if (peer_ == nullptr) return;
    for (const HANDLE value : values_) {
      ::DuplicateHandle(peer_, value, nullptr, nullptr, 0, FALSE, DUPLICATE_CLOSE_SOURCE);
    }
    ::CloseHandle(peer_);
  }

  std::error_code open(DWORD pid) {
    peer_ = ::OpenProcess(PROCESS_DUP_HANDLE, FALSE, pid);
    if (peer_ != nullptr) return {};
    const DWORD code = ::GetLastError();
    return code == ERROR_ACCESS_DENIED ? make_error_code(errc::permission_denied) : detail::error_from_os(code);
  }

  std::error_code push(const handle_list::entry& entry, DWORD pid, handle_record& record) {
    if (is_socket(entry.info.kind)) {
      // Winsock's own duplicate; it cannot be taken back if the frame fails.
      if (::WSADuplicateSocketW(detail::to_os_socket(entry.handle), pid, &record.socket) != 0) {
        const int code = ::WSAGetLastError();
        return code == WSAENOTSOCK ? make_error_code(errc::invalid_argument) : detail::socket_error_code(code);
      }
      return {};
    }
    HANDLE value = nullptr;
    if (!::DuplicateHandle(::GetCurrentProcess(), entry.handle, peer_, &value, 0, FALSE, DUPLICATE_SAME_ACCESS)) {
      const DWORD code = ::GetLastError();
      return code == ERROR_INVALID_HANDLE ? make_error_code(errc::invalid_argument) : detail::error_from_os(code);
    }
    values_.push_back(value);
    record.value = reinterpret_cast<std::uintptr_t>(value);
    return {};
  }

  void commit() noexcept { values_.clear(); }

 private:
  HANDLE peer_ = nullptr;
  std::vector<HANDLE> values_;
};

// The receiver's side: each record as a handle of this process, closed as
// what it is. A socket record becomes a socket here, non-blocking as every
// xipc socket on Windows.
std::error_code take_records(const handle_frame_header& header, std::span<const handle_record> records,
                             std::vector<received_handle>& arrived) {
  std::error_code first_failure;
  for (std::size_t i = 0; i < header.count; ++i) {
    const handle_kind kind{header.entries[i].kind};
    if (!is_socket(kind)) {
      arrived.emplace_back(reinterpret_cast<HANDLE>(static_cast<std::uintptr_t>(records[i].value)), false);
      continue;
    }
    WSAPROTOCOL_INFOW info = records[i].socket;
    const SOCKET socket = ::WSASocketW(FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, &info, 0,
                                       WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
    u_long non_blocking = 1;
    if (socket == INVALID_SOCKET || ::ioctlsocket(socket, FIONBIO, &non_blocking) != 0) {
      if (!first_failure) first_failure = detail::socket_error_code(::WSAGetLastError());
      if (socket != INVALID_SOCKET) ::closesocket(socket);
      continue;
    }
    arrived.emplace_back(detail::from_os_socket(socket), true);
  }
  return first_failure;
}

std::span<const std::byte> bytes_of(const auto& object) { return std::as_bytes(std::span(&object, 1)); }

// Reads exactly `buffer` from a byte-mode pipe: errc::peer_closed when it
// ends in the middle of a frame.
std::error_code read_exactly(named_pipe& pipe, std::span<std::byte> buffer, deadline until) {
  const io_result got = read_exact(pipe, buffer, until);
  return got.error == errc::end_of_stream ? make_error_code(errc::peer_closed) : got.error;
}

io_result receive_byte_frame(named_pipe& pipe, std::span<std::byte> buffer, received_handles& handles, deadline until) {
  handle_frame_header header{};
  const auto header_bytes = std::as_writable_bytes(std::span(&header, 1));
  const io_result first = pipe.read_some(header_bytes, until);
  if (first.error) return first;
  if (const std::error_code ec = read_exactly(pipe, header_bytes.subspan(first.bytes), until)) return {0, ec};
  std::size_t names_bytes = 0;
  std::string reason;
  if (!detail::check_frame(header, names_bytes, reason)) return {0, make_error_code(errc::corrupted)};
  std::string names(names_bytes, '\0');
  std::vector<handle_record> records(header.count);
  if (const std::error_code ec = read_exactly(pipe, std::as_writable_bytes(std::span(names)), until)) return {0, ec};
  if (const std::error_code ec = read_exactly(pipe, std::as_writable_bytes(std::span(records)), until)) return {0, ec};
  // From here the values are this process's: owned at once, so that none leaks.
  std::vector<received_handle> arrived;
  const std::error_code taken = take_records(header, records, arrived);
  const std::size_t fits = std::min<std::uint64_t>(header.payload_bytes, buffer.size());
  if (const std::error_code ec = read_exactly(pipe, buffer.first(fits), until)) return {0, ec};
  const auto payload = static_cast<std::size_t>(header.payload_bytes);
  if (taken) return {payload, taken};
  if (const std::error_code ec = detail::handle_passing::deliver(handles, header, names, arrived)) return {payload, ec};
  if (fits < header.payload_bytes) return {payload, make_error_code(errc::message_too_large)};
  return {payload, {}};
}

// How many bytes of a frame precede its payload, from a checked header.
std::size_t frame_head(const handle_frame_header& header, std::size_t names_bytes) {
  return sizeof header + names_bytes + header.count * sizeof(handle_record);
}

io_result receive_message_frame(named_pipe& pipe, std::span<std::byte> buffer, received_handles& handles,
                                deadline until) {
  // Wait for a message by receiving a header's worth: a frame is never
  // smaller, and a larger message stays queued, its size reported.
  handle_frame_header header{};
  const io_result probe = pipe.receive(std::as_writable_bytes(std::span(&header, 1)), until);
  const bool queued = probe.error == errc::message_too_large;
  if (probe.error && !queued) return probe;
  const std::size_t total = probe.bytes;
  if (!queued && total != sizeof header) return {0, make_error_code(errc::corrupted)};  // too short, and taken
  DWORD peeked = 0;
  if (queued && (!::PeekNamedPipe(pipe.native_handle(), &header, sizeof header, &peeked, nullptr, nullptr) ||
                 peeked != sizeof header)) {
    return {0, make_error_code(errc::corrupted)};
  }
  std::size_t names_bytes = 0;
  std::string reason;
  if (!detail::check_frame(header, names_bytes, reason) || total < frame_head(header, names_bytes)) {
    if (queued) {
      std::vector<std::byte> discard(total);  // not a frame: take it off the pipe
      static_cast<void>(pipe.receive(discard, deadline::immediately()));
    }
    return {0, make_error_code(errc::corrupted)};
  }
  const std::size_t head = frame_head(header, names_bytes);
  const std::size_t payload = total - head;
  if (payload > buffer.size()) return {payload, make_error_code(errc::message_too_large)};

  std::vector<std::byte> message(total);
  if (queued) {
    const io_result got = pipe.receive(message, deadline::immediately());
    if (got.error) return {0, got.error};
    std::memcpy(&header, message.data(), sizeof header);  // what was taken, which the checks below see
  } else {
    std::memcpy(message.data(), &header, sizeof header);
  }
  if (!detail::check_frame(header, names_bytes, reason) || frame_head(header, names_bytes) != head ||
      header.payload_bytes != payload) {
    return {0, make_error_code(errc::corrupted)};
  }
  const std::string names(reinterpret_cast<const char*>(message.data()) + sizeof header, names_bytes);
  std::vector<handle_record> records(header.count);
  std::memcpy(records.data(), message.data() + sizeof header + names_bytes, records.size() * sizeof(handle_record));
  std::vector<received_handle> arrived;
  if (const std::error_code ec = take_records(header, records, arrived)) return {payload, ec};
  if (const std::error_code ec = detail::handle_passing::deliver(handles, header, names, arrived)) return {payload, ec};
  std::copy_n(message.data() + head, payload, buffer.data());
  return {payload, {}};
}

}  // namespace

namespace detail {

bool passed_handle_fits(native_handle_type handle, handle_kind kind, failure& why) {
  std::string found;
  switch (kind) {
    case handle_kind::shared_memory:
    case handle_kind::anonymous_memory: {
      failure probe;
      object_size(handle, probe);  // NtQuerySection: fails for anything but a section
      if (!probe) return true;
      found = "not a section";
      break;
    }
    case handle_kind::pipe_reader:
    case handle_kind::pipe_writer: {
      PUBLIC_OBJECT_BASIC_INFORMATION basic{};
      if (::GetFileType(handle) != FILE_TYPE_PIPE) {
        found = "not a pipe";
        break;
      }
      if (::NtQueryObject(handle, ObjectBasicInformation, &basic, sizeof basic, nullptr) < 0) {
        found = "a pipe whose access cannot be read";
        break;
      }
      const bool reads = (basic.GrantedAccess & FILE_READ_DATA) != 0;
      const bool writes = (basic.GrantedAccess & FILE_WRITE_DATA) != 0;
      if (kind == handle_kind::pipe_reader ? reads && !writes : writes && !reads) return true;
      found = fmt::format("a pipe end with access {:#x}", basic.GrantedAccess);
      break;
    }
    case handle_kind::local_stream:
    case handle_kind::local_datagram:
    case handle_kind::tcp_stream:
    case handle_kind::udp_socket: {
      WSAPROTOCOL_INFOW info{};
      int length = sizeof info;
      if (::getsockopt(to_os_socket(handle), SOL_SOCKET, SO_PROTOCOL_INFOW, reinterpret_cast<char*>(&info), &length) != 0) {
        found = "not a socket";
        break;
      }
      const bool ip = info.iAddressFamily == AF_INET || info.iAddressFamily == AF_INET6;
      const bool fits = kind == handle_kind::local_stream   ? info.iAddressFamily == AF_UNIX && info.iSocketType == SOCK_STREAM
                        : kind == handle_kind::local_datagram ? info.iAddressFamily == AF_UNIX && info.iSocketType == SOCK_DGRAM
                        : kind == handle_kind::tcp_stream     ? ip && info.iSocketType == SOCK_STREAM
                                                              : ip && info.iSocketType == SOCK_DGRAM;
      if (fits) return true;
      found = fmt::format("a socket of family {}, type {}", info.iAddressFamily, info.iSocketType);
      break;
    }
    case handle_kind::port_right: {
      // A pipe end opened for reading and writing; its handshake checks the rest.
      DWORD flags = 0;
      if (::GetFileType(handle) == FILE_TYPE_PIPE && ::GetNamedPipeInfo(handle, &flags, nullptr, nullptr, nullptr) &&
          (flags & PIPE_TYPE_MESSAGE) != 0) {
        return true;
      }
      found = "not a message-mode pipe";
      break;
    }
  }
  why = refuse(errc::corrupted, fmt::format("the sender said {}, but the handle is {}", to_string(kind), found));
  return false;
}

}  // namespace detail

std::error_code send_handles(named_pipe& pipe, const handle_list& handles, std::span<const std::byte> bytes,
                             deadline until) {
  handle_frame_header header{};
  std::string names;
  if (const std::error_code ec = detail::build_frame(handles, bytes.size(), header, names)) return ec;
  if (!pipe.is_open()) return make_error_code(errc::invalid_argument);
  std::vector<handle_record> records(handles.size());
  pushed_handles pushed;
  if (handles.size() > 0) {
    if (!detail::start_sockets()) return detail::socket_error_code(::WSAGetLastError());
    const DWORD pid = peer_process_id(pipe.native_handle());
    if (pid == 0) return detail::error_from_os(::GetLastError());
    if (const std::error_code ec = pushed.open(pid)) return ec;
    for (std::size_t i = 0; i < handles.size(); ++i) {
      if (const std::error_code ec = pushed.push(handles.entries()[i], pid, records[i])) return ec;
    }
  }
  std::vector<std::byte> frame;
  frame.reserve(sizeof header + names.size() + records.size() * sizeof(handle_record) + bytes.size());
  const auto append = [&](std::span<const std::byte> part) { frame.insert(frame.end(), part.begin(), part.end()); };
  append(bytes_of(header));
  append(std::as_bytes(std::span(names)));
  append(std::as_bytes(std::span(records)));
  append(bytes);
  const std::error_code sent =
      pipe.mode() == pipe_mode::byte ? write_all(pipe, frame, until).error : pipe.send(frame, until);
  if (!sent) pushed.commit();
  return sent;
}

io_result receive_handles(named_pipe& pipe, std::span<std::byte> buffer, received_handles& handles, deadline until) {
  handles.clear();
  if (!detail::start_sockets()) return {0, detail::socket_error_code(::WSAGetLastError())};
  return pipe.mode() == pipe_mode::byte ? receive_byte_frame(pipe, buffer, handles, until)
                                        : receive_message_frame(pipe, buffer, handles, until);
}

// Windows AF_UNIX has no SCM_RIGHTS: handles go over a named_pipe there.
std::error_code send_handles(local_stream&, const handle_list&, std::span<const std::byte>, deadline) {
  return make_error_code(errc::invalid_argument);
}
std::error_code send_handles(local_datagram&, const handle_list&, std::span<const std::byte>, deadline) {
  return make_error_code(errc::invalid_argument);
}
io_result receive_handles(local_stream&, std::span<std::byte>, received_handles& handles, deadline) {
  handles.clear();
  return {0, make_error_code(errc::invalid_argument)};
}
io_result receive_handles(local_datagram&, std::span<std::byte>, received_handles& handles, deadline) {
  handles.clear();
  return {0, make_error_code(errc::invalid_argument)};
}

}  // namespace xipc
