// Reading a kernel limit from /proc, to name it (and its value) in an error.
#pragma once

namespace xipc::detail {

// The number in the file at `path`, or -1 when it cannot be read.
long read_system_limit(const char* path) noexcept;

}  // namespace xipc::detail
