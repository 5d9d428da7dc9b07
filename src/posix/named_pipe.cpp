#include <xipc/named_pipe.hpp>

#include <fmt/format.h>
#include <sys/socket.h>
#include <unistd.h>

#include <climits>
#include <cstdint>

#include "posix/local_socket.hpp"
#include "posix/new_descriptor.hpp"
#include "backend/os_error.hpp"
#include "net/socket_io.hpp"
#include "backend/named_pipe_io.hpp"
#include "backend/sockets.hpp"
#include "posix/system_limit.hpp"

namespace xipc {
namespace {

detail::local_socket_kind kind_of(pipe_mode mode) {
  return mode == pipe_mode::byte ? detail::local_socket_kind::stream : detail::local_socket_kind::seqpacket;
}

// What Linux keeps of a seqpacket socket's send buffer for bookkeeping: a
// message may be at most SO_SNDBUF - 32 bytes (net/unix/af_unix.c).
constexpr std::size_t send_buffer_overhead = 32;

// Message mode: sizes the socket's send buffer for the largest message, or
// says which system limit stops it (the kernel caps SO_SNDBUF at twice
// net.core.wmem_max for an unprivileged process).
bool size_for_messages(int socket, const named_pipe_options& options, detail::failure& why) {
  if (options.mode != pipe_mode::message) return true;
  const std::size_t needed = options.max_message_bytes + send_buffer_overhead;
  int size = 0;
  socklen_t length = sizeof size;
  if (::getsockopt(socket, SOL_SOCKET, SO_SNDBUF, &size, &length) == 0 && static_cast<std::size_t>(size) >= needed) {
    return true;
  }
  // The kernel doubles what it is given; ask for half, rounded up.
  const int asked = needed / 2 + 1 > static_cast<std::size_t>(INT_MAX) ? INT_MAX : static_cast<int>(needed / 2 + 1);
  ::setsockopt(socket, SOL_SOCKET, SO_SNDBUF, &asked, sizeof asked);
  length = sizeof size;
  if (::getsockopt(socket, SOL_SOCKET, SO_SNDBUF, &size, &length) == 0 && static_cast<std::size_t>(size) >= needed) {
    return true;
  }
  why = detail::refuse(errc::invalid_argument,
                       fmt::format("max_message_bytes {} is above what a socket here can carry in one message "
                                   "({} bytes: SO_SNDBUF {} - {}; raise /proc/sys/net/core/wmem_max ({}) or send "
                                   "smaller messages)",
                                   options.max_message_bytes,
                                   size > static_cast<int>(send_buffer_overhead) ? size - static_cast<int>(send_buffer_overhead) : 0,
                                   size, send_buffer_overhead, detail::read_system_limit("/proc/sys/net/core/wmem_max")));
  return false;
}

}  // namespace

named_pipe named_pipe::connect(std::string_view name, const named_pipe_options& options, deadline until,
                               detail::failure& why, name_kind kind) {
  const std::string path = detail::local_socket_path(name, why, kind);
  if (why) return {};
  const native_handle_type socket = detail::local_connect(path, kind_of(options.mode), until, why);
  if (why) return {};
  if (!size_for_messages(socket, options, why)) {
    ::close(socket);
    return {};
  }
  return named_pipe(socket, options);
}

void named_pipe::connected_pair(named_pipe& first, named_pipe& second, const named_pipe_options& options,
                                detail::failure& why) {
  int ends[2] = {-1, -1};
  const int type = options.mode == pipe_mode::byte ? SOCK_STREAM : SOCK_SEQPACKET;
  if (detail::new_socket_pair(AF_UNIX, type, ends) != 0) {
    why = detail::os_failure("socketpair", errno);
    return;
  }
  named_pipe made_first(ends[0], options);
  named_pipe made_second(ends[1], options);
  if (!size_for_messages(ends[0], options, why) || !size_for_messages(ends[1], options, why)) return;
  first = std::move(made_first);
  second = std::move(made_second);
}

namespace detail {

io_result named_pipe_read_some(native_handle_type pipe, std::span<std::byte> buffer, deadline until) noexcept {
  return socket_read_some(pipe, buffer, until);
}

io_result named_pipe_write_some(native_handle_type pipe, std::span<const std::byte> data, deadline until) noexcept {
  return socket_write_some(pipe, data, until);
}

std::error_code named_pipe_send(native_handle_type pipe, std::span<const std::byte> message, deadline until) noexcept {
  return socket_send_message(pipe, message, until);
}

io_result named_pipe_receive(native_handle_type pipe, std::span<std::byte> buffer, std::size_t /*max_message_bytes*/,
                             deadline until) noexcept {
  // The peer's limit is its own: a message above ours may come. Always
  // peeking at the size first keeps such a message queued, whole, at the
  // cost of one more system call per receive.
  return socket_receive_message(pipe, buffer, SIZE_MAX, until);
}

io_result named_pipe_receive_bounded(native_handle_type pipe, std::span<std::byte> buffer, deadline until) noexcept {
  return socket_receive_message(pipe, buffer, buffer.size(), until);
}

std::error_code named_pipe_peer(native_handle_type pipe, bool /*server_end*/, peer_credentials& out) noexcept {
  return peer_credentials_of(pipe, out);
}

}  // namespace detail

named_pipe_server named_pipe_server::create(std::string_view name, const named_pipe_options& options,
                                            detail::failure& why, name_kind kind) {
  named_pipe_server server;
  server.path_ = detail::local_socket_path(name, why, kind);
  if (why) return {};
  const native_handle_type listener = detail::local_listen(server.path_, kind_of(options.mode), why);
  if (why) return {};
  // Checked on the listener: every accepted socket is sized the same way.
  if (!size_for_messages(listener, options, why)) {
    ::close(listener);
    ::unlink(server.path_.c_str());
    return {};
  }
  static_cast<detail::owned_handle&>(server) = detail::owned_handle(listener);
  server.name_ = std::string(name);
  server.file_id_ = detail::socket_file_id(server.path_);
  server.options_ = options;
  return server;
}

std::error_code named_pipe_server::accept(named_pipe& connection, deadline until) noexcept {
  std::error_code error;
  const native_handle_type socket = detail::socket_accept(native_handle(), until, error);
  if (error) return error;
  detail::failure why;
  if (!size_for_messages(socket, options_, why)) {
    ::close(socket);
    return why.code;
  }
  connection = named_pipe(socket, options_);
  return {};
}

void named_pipe_server::remove_name() noexcept {
  if (file_id_ != 0 && detail::socket_file_id(path_) == file_id_) ::unlink(path_.c_str());
  file_id_ = 0;
}

}  // namespace xipc
