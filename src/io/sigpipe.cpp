#include <xipc/sigpipe.hpp>

#include "backend/stream_io.hpp"
#include "core/setup_error.hpp"
#include "io/sigpipe_state.hpp"

namespace xipc {
namespace {

bool set_guard(sigpipe_guard guard, detail::failure& why) {
  if (guard != sigpipe_guard::mask && guard != sigpipe_guard::process_ignores) {
    why = detail::refuse(errc::invalid_argument, "the guard is not one of sigpipe_guard's enumerators");
    return false;
  }
  if (guard == sigpipe_guard::process_ignores && !detail::sigpipe_ignored(why)) return false;
  detail::process_sigpipe_guard.store(guard, std::memory_order_relaxed);
  return true;
}

}  // namespace

void set_sigpipe_guard(sigpipe_guard guard) {
  detail::report_or_throw("sigpipe_guard", "SIGPIPE", [&](auto& why) { return set_guard(guard, why); });
}

void set_sigpipe_guard(sigpipe_guard guard, std::error_code& ec) {
  detail::report_to(ec, [&](auto& why) { return set_guard(guard, why); });
}

sigpipe_guard get_sigpipe_guard() noexcept { return detail::process_sigpipe_guard.load(std::memory_order_relaxed); }

}  // namespace xipc
