#include <xipc/detail/owned_handle.hpp>

#include <windows.h>

namespace xipc::detail {

void close_native_handle(native_handle_type handle) noexcept { ::CloseHandle(handle); }

}  // namespace xipc::detail
