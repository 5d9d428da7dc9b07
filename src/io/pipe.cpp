#include <xipc/pipe.hpp>

#include "core/setup_error.hpp"
#include "backend/stream_io.hpp"
#include "backend/pipe.hpp"

namespace xipc {
namespace detail {

// Each backend makes the pipe.

}  // namespace detail

io_result pipe_reader::read_some(std::span<std::byte> buffer, deadline until) noexcept {
  return detail::read_some_handle(native_handle(), buffer, until);
}

io_result pipe_writer::write_some(std::span<const std::byte> data, deadline until) noexcept {
  return detail::write_some_handle(native_handle(), data, until);
}

pipe_ends make_pipe() {
  return detail::report_or_throw("pipe", "(anonymous)", [](auto& why) { return detail::open_pipe(why); });
}

pipe_ends make_pipe(std::error_code& ec) {
  return detail::report_to(ec, [](auto& why) { return detail::open_pipe(why); });
}

}  // namespace xipc
