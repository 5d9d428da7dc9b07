// The process's sigpipe_guard (xipc/sigpipe.hpp), read by every pipe and FIFO write.
#pragma once

#include <xipc/sigpipe.hpp>

#include <atomic>

namespace xipc::detail {

inline std::atomic<sigpipe_guard> process_sigpipe_guard{sigpipe_guard::mask};

}  // namespace xipc::detail
