// The OS handle type that every xipc object exposes through native_handle(),
// so that it can be handed to Asio, libuv or an event loop of the user's own.
//
// Thread safety: a handle value; what it names is the owner's business.
#pragma once

#include <xipc/detail/config.hpp>

namespace xipc {

#if XIPC_OS_WINDOWS
// A Windows HANDLE, spelled without <windows.h>. xipc stores "no handle" as
// null (what CreateFileMapping and CreateEvent return on failure), never as
// INVALID_HANDLE_VALUE, which is also the pseudo-handle of the current process.
using native_handle_type = void*;
inline constexpr native_handle_type invalid_native_handle = nullptr;
#else
// A POSIX file descriptor.
using native_handle_type = int;
inline constexpr native_handle_type invalid_native_handle = -1;
#endif

}  // namespace xipc
