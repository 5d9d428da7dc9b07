// What POSIX stream code adds to the backend's stream I/O (backend/stream_io.hpp).
#pragma once

#include "backend/stream_io.hpp"

namespace xipc::detail {

// Waits until `handle` has room to write (or hung up) or the deadline passes,
// as wait_readable does for reading. POSIX only: a Windows anonymous pipe
// cannot tell whether a write would block (write_some_handle finds out by writing).
std::error_code wait_writable(native_handle_type handle, deadline until) noexcept;

}  // namespace xipc::detail
