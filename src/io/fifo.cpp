// The public fifo overloads, the same on every OS.
#include <xipc/fifo.hpp>

#include "core/setup_error.hpp"

namespace xipc {

void fifo::create(std::string_view path, permissions perms) {
  detail::report_or_throw("fifo", path, [&](auto& why) { return create(path, perms, why); });
}
void fifo::create(std::string_view path, permissions perms, std::error_code& ec) {
  detail::report_to(ec, [&](auto& why) { return create(path, perms, why); });
}

bool fifo::remove(std::string_view path) {
  return detail::report_or_throw("fifo", path, [&](auto& why) { return remove(path, why); });
}
bool fifo::remove(std::string_view path, std::error_code& ec) {
  return detail::report_to(ec, [&](auto& why) { return remove(path, why); });
}

fifo_reader fifo::open_reader(std::string_view path, permissions perms) {
  return detail::report_or_throw("fifo", path, [&](auto& why) { return open_reader(path, perms, why); });
}
fifo_reader fifo::open_reader(std::string_view path, std::error_code& ec, permissions perms) {
  return detail::report_to(ec, [&](auto& why) { return open_reader(path, perms, why); });
}

fifo_writer fifo::open_writer(std::string_view path, deadline until, permissions perms) {
  return detail::report_or_throw("fifo", path, [&](auto& why) { return open_writer(path, until, perms, why); });
}
fifo_writer fifo::open_writer(std::string_view path, deadline until, std::error_code& ec, permissions perms) {
  return detail::report_to(ec, [&](auto& why) { return open_writer(path, until, perms, why); });
}

}  // namespace xipc
