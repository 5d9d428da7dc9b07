// A descriptor that poll() reports readable when a child process ends, so
// that child_process::wait sleeps until then instead of looking again every
// millisecond. Linux: pidfd_open (linux/process_descriptor_pidfd.cpp);
// elsewhere none yet (posix/process_descriptor_none.cpp).
#pragma once

#include <sys/types.h>

namespace xipc::detail {

// A close-on-exec descriptor for child `pid`, or -1 when the OS gives none.
int open_process_descriptor(pid_t pid) noexcept;

}  // namespace xipc::detail
