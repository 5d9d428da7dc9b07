#include "posix/os_error.hpp"

#include <fmt/format.h>

#include <cstring>
#include <utility>

namespace xipc::detail {

std::error_code error_from_os(int errno_value) noexcept {
  switch (errno_value) {
    case ENOENT: return make_error_code(errc::not_found);
    case EEXIST: return make_error_code(errc::already_exists);
    case EACCES:
    case EPERM: return make_error_code(errc::permission_denied);
    case ENAMETOOLONG: return make_error_code(errc::invalid_name);
    case EINVAL: return make_error_code(errc::invalid_argument);
    case ETIMEDOUT: return make_error_code(errc::timed_out);
    case EAGAIN: return make_error_code(errc::would_block);
    case EPIPE:
    case ECONNRESET: return make_error_code(errc::peer_closed);
    case EMSGSIZE: return make_error_code(errc::message_too_large);
    case EBUSY: return make_error_code(errc::busy);
    default: return {errno_value, std::system_category()};
  }
}

os_error_value last_os_error() noexcept { return errno; }

failure last_os_failure(std::string call) { return os_failure(std::move(call), errno); }

failure os_failure(std::string call, int errno_value) {
  return failure{error_from_os(errno_value), std::move(call),
                 fmt::format("errno {}, {}", errno_value, std::strerror(errno_value))};
}

}  // namespace xipc::detail
