// The public named-pipe overloads, the same on every OS.
#include <xipc/named_pipe.hpp>

#include <cstring>
#include <utility>

#include "backend/named_pipe_io.hpp"
#include "core/setup_error.hpp"

namespace xipc {
namespace {

std::error_code wrong_mode() { return make_error_code(errc::invalid_argument); }

// Options no backend could honour are refused before anything is made.
bool check_options(const named_pipe_options& options, detail::failure& why) {
  if (options.mode == pipe_mode::message && options.max_message_bytes == 0) {
    why = detail::refuse(errc::invalid_argument, "max_message_bytes must be at least 1 in message mode");
    return false;
  }
  return true;
}

}  // namespace

io_result named_pipe::read_some(std::span<std::byte> buffer, deadline until) noexcept {
  if (options_.mode != pipe_mode::byte) return {0, wrong_mode()};
  return detail::named_pipe_read_some(native_handle(), buffer, until);
}

io_result named_pipe::write_some(std::span<const std::byte> data, deadline until) noexcept {
  if (options_.mode != pipe_mode::byte) return {0, wrong_mode()};
  return detail::named_pipe_write_some(native_handle(), data, until);
}

std::error_code named_pipe::send(std::span<const std::byte> message, deadline until) noexcept {
  if (options_.mode != pipe_mode::message || message.empty()) return wrong_mode();
  if (message.size() > options_.max_message_bytes) return make_error_code(errc::message_too_large);
  return detail::named_pipe_send(native_handle(), message, until);
}

io_result named_pipe::receive(std::span<std::byte> buffer, deadline until) noexcept {
  if (options_.mode != pipe_mode::message) return {0, wrong_mode()};
  // What the handle kept went with its connection when it was closed.
  if (!held_.empty() && native_handle() == invalid_native_handle) held_ = {};
  if (!held_.empty()) {
    // A message above this end's maximum, taken earlier into a buffer too small for it.
    const std::size_t size = held_.size();
    if (size > buffer.size()) return {size, make_error_code(errc::message_too_large)};
    std::memcpy(buffer.data(), held_.data(), size);
    held_ = {};
    return {size, {}};
  }
  return detail::named_pipe_receive(native_handle(), buffer, options_.max_message_bytes, held_, until);
}

named_pipe named_pipe::connect(std::string_view name, const named_pipe_options& options, deadline until) {
  return detail::report_or_throw("named_pipe", name, [&](auto& why) {
    return check_options(options, why) ? connect(name, options, until, why) : named_pipe();
  });
}

named_pipe named_pipe::connect(std::string_view name, const named_pipe_options& options, deadline until,
                               std::error_code& ec) {
  return detail::report_to(ec, [&](auto& why) {
    return check_options(options, why) ? connect(name, options, until, why) : named_pipe();
  });
}

named_pipe_server named_pipe_server::create(std::string_view name, const named_pipe_options& options) {
  return detail::report_or_throw("named_pipe_server", name, [&](auto& why) {
    return check_options(options, why) ? create(name, options, why) : named_pipe_server();
  });
}

named_pipe_server named_pipe_server::create(std::string_view name, const named_pipe_options& options,
                                            std::error_code& ec) {
  return detail::report_to(ec, [&](auto& why) {
    return check_options(options, why) ? create(name, options, why) : named_pipe_server();
  });
}

named_pipe_server& named_pipe_server::operator=(named_pipe_server&& other) noexcept {
  if (this != &other) {
    remove_name();
    detail::owned_handle::operator=(std::move(other));
    name_ = std::move(other.name_);
    path_ = std::move(other.path_);
    file_id_ = std::exchange(other.file_id_, 0);
    listening_ = std::move(other.listening_);
    options_ = other.options_;
  }
  return *this;
}

named_pipe_server::~named_pipe_server() { remove_name(); }

}  // namespace xipc
