#include <xipc/named_pipe.hpp>

#include <fmt/format.h>
#include <sys/socket.h>
#include <unistd.h>

#include <climits>
#include <cstdint>

#include "posix/local_socket.hpp"
#include "posix/message_socket.hpp"
#include "posix/new_descriptor.hpp"
#include "backend/os_error.hpp"
#include "net/socket_io.hpp"
#include "backend/named_pipe_io.hpp"
#include "backend/sockets.hpp"
#include "posix/system_limit.hpp"

namespace xipc {
namespace {

detail::local_socket_kind kind_of(pipe_mode mode) {
  return mode == pipe_mode::byte ? detail::local_socket_kind::stream : detail::local_socket_kind::message;
}

// Message mode: sizes the socket for the largest message (message_socket.hpp).
bool size_for_messages(int socket, const named_pipe_options& options, detail::failure& why) {
  return options.mode != pipe_mode::message || detail::size_message_socket(socket, options.max_message_bytes, why);
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
  const int type = options.mode == pipe_mode::byte ? SOCK_STREAM : detail::message_socket_type();
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

// The message calls (named_pipe_send, named_pipe_receive,
// named_pipe_receive_bounded) are message_socket.hpp's twins'.

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
