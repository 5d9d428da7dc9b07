#include <xipc/detail/owned_handle.hpp>

#include <winsock2.h>
#include <windows.h>

namespace xipc::detail {

void close_native_handle(native_handle_type handle) noexcept { ::CloseHandle(handle); }

// CloseHandle does not close a socket: Winsock's own state would leak.
void close_native_socket(native_handle_type handle) noexcept { ::closesocket(reinterpret_cast<SOCKET>(handle)); }

}  // namespace xipc::detail
