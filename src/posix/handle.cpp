#include <xipc/detail/owned_handle.hpp>

#include <unistd.h>

namespace xipc::detail {

// Not retried on EINTR: on Linux the descriptor is released even then.
void close_native_handle(native_handle_type handle) noexcept { ::close(handle); }

// A socket is a descriptor like any other.
void close_native_socket(native_handle_type handle) noexcept { ::close(handle); }

}  // namespace xipc::detail
