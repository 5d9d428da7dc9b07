// process_descriptor.hpp where the OS has no process descriptor to poll:
// child_process::wait looks again every millisecond.
#include "posix/process_descriptor.hpp"

namespace xipc::detail {

int open_process_descriptor(pid_t) noexcept { return -1; }

}  // namespace xipc::detail
