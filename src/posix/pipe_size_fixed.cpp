// A system whose pipes have a buffer size nobody can read or set (macOS
// grows it by itself, up to 64 KiB): what pipe.hpp promises there.
#include <xipc/pipe.hpp>

namespace xipc::detail {

std::size_t pipe_end::capacity() const noexcept { return 0; }

std::error_code pipe_end::set_capacity(std::size_t) noexcept { return make_error_code(errc::invalid_argument); }

}  // namespace xipc::detail
