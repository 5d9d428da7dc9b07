// Reading a kernel limit from a file (Linux: /proc/sys), to name it (and its
// value) in an error; -1 on a system that has no such file.
#pragma once

namespace xipc::detail {

// The number in the file at `path`, or -1 when it cannot be read.
long read_system_limit(const char* path) noexcept;

}  // namespace xipc::detail
