// The Windows side of sockets (socket_io.hpp): Winsock2 sockets that child
// processes do not inherit, non-blocking for their whole life (Windows has no
// MSG_DONTWAIT), select() to wait, and AF_UNIX streams (Windows 10 1803 and
// later) with the peer's pid from SIO_AF_UNIX_GETPEERPID.
#include <fmt/format.h>
#include <mswsock.h>
#include <windows.h>

#include <memory>
#include <new>

#include "net/socket_io.hpp"
#include "win32/os_error.hpp"

namespace xipc::detail {
namespace {

bool set_non_blocking(os_socket socket) noexcept {
  u_long on = 1;
  return ::ioctlsocket(socket, FIONBIO, &on) == 0;
}

}  // namespace

os_socket open_socket(int domain, int type, bool) noexcept {
  const os_socket socket =
      ::WSASocketW(domain, type, 0, nullptr, 0, WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
  if (socket == INVALID_SOCKET) return socket;
  if (!set_non_blocking(socket)) {
    const int error = ::WSAGetLastError();
    ::closesocket(socket);
    ::WSASetLastError(error);
    return INVALID_SOCKET;
  }
  if (type == SOCK_DGRAM && domain != AF_UNIX) {
    // Windows fails the next receive with WSAECONNRESET after a datagram met
    // a closed port; POSIX reports nothing to an unconnected socket. Off, as
    // on POSIX (a best effort: older systems lack the control code).
    BOOL report = FALSE;
    DWORD unused = 0;
    ::WSAIoctl(socket, SIO_UDP_CONNRESET, &report, sizeof report, nullptr, 0, &unused, nullptr, nullptr);
  }
  return socket;
}

os_socket accept_connection(os_socket listener) noexcept {
  // The connection has the listener's properties, non-blocking among them.
  const os_socket connection = ::accept(listener, nullptr, nullptr);
  // Made sure of: WSA_FLAG_NO_HANDLE_INHERIT is not documented to carry over.
  if (connection != INVALID_SOCKET) ::SetHandleInformation(reinterpret_cast<HANDLE>(connection), HANDLE_FLAG_INHERIT, 0);
  return connection;
}

std::error_code set_connected_mode(native_handle_type) noexcept { return {}; }

int socket_attempt_flags(deadline) noexcept { return 0; }

std::error_code wait_socket(native_handle_type socket, bool for_writing, deadline until) noexcept {
  const os_socket os = to_os_socket(socket);
  for (;;) {
    fd_set ready;
    fd_set failed;  // a connect that failed is reported here, not as writable
    FD_ZERO(&ready);
    FD_ZERO(&failed);
    FD_SET(os, &ready);
    FD_SET(os, &failed);
    const int ms = until.remaining_poll_ms();
    timeval timeout{ms / 1000, (ms % 1000) * 1000};
    // An immediate deadline selects with a zero timeout: ready now, or would block.
    const int count = ::select(0, for_writing ? nullptr : &ready, for_writing ? &ready : nullptr, &failed,
                               until.is_forever() ? nullptr : &timeout);
    if (count > 0) return {};
    if (count < 0) return socket_error_code(::WSAGetLastError());
    if (until.is_immediate()) return make_error_code(errc::would_block);
    // Else timed out, or select's whole milliseconds ran out a little early.
    if (until.expired()) return make_error_code(errc::timed_out);
  }
}

long long receive_attempt(os_socket socket, std::span<std::byte> buffer, int flags, sockaddr_storage* from,
                          socklen_t* from_length) noexcept {
  const int got = ::recvfrom(socket, reinterpret_cast<char*>(buffer.data()), socket_io_size(buffer.size()), flags,
                             reinterpret_cast<sockaddr*>(from), from_length);
  if (got >= 0 || ::WSAGetLastError() != WSAEMSGSIZE) return got;
  // Windows has no MSG_TRUNC. A peeked datagram stays: peek it again whole
  // (no datagram here is larger than UDP's 64 KiB) to learn its size.
  if ((flags & MSG_PEEK) == 0) return static_cast<long long>(buffer.size()) + 1;  // received cut short: lost
  // Only for a datagram that did not fit: no buffer is kept for every thread.
  constexpr int largest = 65536;
  const std::unique_ptr<char[]> whole(new (std::nothrow) char[largest]);
  if (whole == nullptr) {
    ::WSASetLastError(WSAENOBUFS);
    return -1;
  }
  return ::recvfrom(socket, whole.get(), largest, flags, nullptr, nullptr);
}

void prepare_ip_bind(os_socket socket, bool) noexcept {
  // Without it, another process could bind the same address with SO_REUSEADDR and take its traffic.
  set_socket_option(socket, SOL_SOCKET, SO_EXCLUSIVEADDRUSE, 1);
}

std::uint64_t socket_file_id(const std::string& path) noexcept {
  failure ignored;
  const std::wstring wide = widen(path, ignored);
  if (ignored) return 0;
  // The socket file is a reparse point: look at it, not through it.
  const HANDLE file = ::CreateFileW(wide.c_str(), FILE_READ_ATTRIBUTES, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                                    nullptr, OPEN_EXISTING, FILE_FLAG_OPEN_REPARSE_POINT | FILE_FLAG_BACKUP_SEMANTICS,
                                    nullptr);
  if (file == INVALID_HANDLE_VALUE) return 0;
  BY_HANDLE_FILE_INFORMATION info{};
  const bool looked = ::GetFileInformationByHandle(file, &info) != 0;
  ::CloseHandle(file);
  if (!looked) return 0;
  const std::uint64_t index = (static_cast<std::uint64_t>(info.nFileIndexHigh) << 32) | info.nFileIndexLow;
  return (static_cast<std::uint64_t>(info.dwVolumeSerialNumber) * 0x9E3779B97F4A7C15ull) ^ index;
}

bool clear_stale_socket_file(const std::string& path, int type, failure& why) {
  // Only an AF_UNIX socket file (a reparse point with that tag) may go.
  failure ignored;
  const std::wstring wide = widen(path, ignored);
  WIN32_FIND_DATAW found{};
  const HANDLE search = ignored ? INVALID_HANDLE_VALUE : ::FindFirstFileW(wide.c_str(), &found);
  if (search == INVALID_HANDLE_VALUE) return true;  // gone meanwhile: bind again
  ::FindClose(search);
  constexpr DWORD af_unix_reparse_tag = 0x80000023;  // IO_REPARSE_TAG_AF_UNIX
  if ((found.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) == 0 || found.dwReserved0 != af_unix_reparse_tag) {
    why = refuse(errc::already_exists, fmt::format("{} is {}, not a stale socket file: left alone", path,
                                                   (found.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) != 0
                                                       ? "a directory"
                                                       : "a regular file"));
    return false;
  }
  // Windows keeps no table of bound AF_UNIX sockets to read: a connect asks.
  if (socket_file_answers(path, type)) {
    why = refuse(errc::already_exists, fmt::format("{} is in use", path));
    return false;
  }
  remove_socket_file(path);
  return true;
}

void prepare_local_bind(os_socket /*socket*/, const permissions& /*perms*/) noexcept {}

// Windows gives an AF_UNIX socket file the directory's security: nothing to set.
bool set_socket_file_mode(const std::string& /*path*/, const permissions& /*perms*/, failure& /*why*/) { return true; }

void remove_socket_file(const std::string& path) noexcept {
  failure ignored;
  const std::wstring wide = widen(path, ignored);
  if (!ignored) ::DeleteFileW(wide.c_str());
}

std::error_code peer_credentials_of(native_handle_type socket, peer_credentials& out) noexcept {
  ULONG pid = 0;
  DWORD size = 0;
  if (::WSAIoctl(to_os_socket(socket), SIO_AF_UNIX_GETPEERPID, nullptr, 0, &pid, sizeof pid, &size, nullptr, nullptr) != 0) {
    return socket_error_code(::WSAGetLastError());
  }
  out = {static_cast<std::int64_t>(pid), 0, 0};  // Windows has no uid or gid
  return {};
}

}  // namespace xipc::detail
