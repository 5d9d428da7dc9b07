#include <xipc/named_pipe.hpp>

#include <unistd.h>

#include "local_socket.hpp"
#include "socket_io.hpp"
#include "named_pipe_io.hpp"

namespace xipc {
namespace {

detail::local_socket_kind kind_of(pipe_mode mode) {
  return mode == pipe_mode::byte ? detail::local_socket_kind::stream : detail::local_socket_kind::seqpacket;
}

}  // namespace

named_pipe named_pipe::connect(std::string_view name, const named_pipe_options& options, deadline until,
                               detail::failure& why) {
  const std::string path = detail::local_socket_path(name, why);
  if (why) return {};
  const native_handle_type socket = detail::local_connect(path, kind_of(options.mode), until, why);
  if (why) return {};
  return named_pipe(socket, options);
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

io_result named_pipe_receive(native_handle_type pipe, std::span<std::byte> buffer, std::size_t max_message_bytes,
                             deadline until) noexcept {
  return socket_receive_message(pipe, buffer, max_message_bytes, until);
}

}  // namespace detail

named_pipe_server named_pipe_server::create(std::string_view name, const named_pipe_options& options,
                                            detail::failure& why) {
  named_pipe_server server;
  server.path_ = detail::local_socket_path(name, why);
  if (why) return {};
  const native_handle_type listener = detail::local_listen(server.path_, kind_of(options.mode), why);
  if (why) return {};
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
  connection = named_pipe(socket, options_);
  return {};
}

void named_pipe_server::remove_name() noexcept {
  if (file_id_ != 0 && detail::socket_file_id(path_) == file_id_) ::unlink(path_.c_str());
  file_id_ = 0;
}

}  // namespace xipc
