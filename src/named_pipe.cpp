// The public named-pipe overloads, the same on every OS.
#include <xipc/named_pipe.hpp>

#include <utility>

#include "setup_error.hpp"

namespace xipc {

named_pipe named_pipe::connect(std::string_view name, const named_pipe_options& options, deadline until) {
  return detail::report_or_throw("named_pipe", name, [&](auto& why) { return connect(name, options, until, why); });
}

named_pipe named_pipe::connect(std::string_view name, const named_pipe_options& options, deadline until,
                               std::error_code& ec) {
  return detail::report_to(ec, [&](auto& why) { return connect(name, options, until, why); });
}

named_pipe_server named_pipe_server::create(std::string_view name, const named_pipe_options& options) {
  return detail::report_or_throw("named_pipe_server", name, [&](auto& why) { return create(name, options, why); });
}

named_pipe_server named_pipe_server::create(std::string_view name, const named_pipe_options& options,
                                            std::error_code& ec) {
  return detail::report_to(ec, [&](auto& why) { return create(name, options, why); });
}

named_pipe_server& named_pipe_server::operator=(named_pipe_server&& other) noexcept {
  if (this != &other) {
    remove_name();
    owned_handle::operator=(std::move(other));
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
