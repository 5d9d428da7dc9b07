// A new memory object with no name, for anonymous_memory: Linux's memfd
// (linux/anonymous_file_memfd.cpp), elsewhere a shared memory object that is
// unlinked as soon as it is open (posix/anonymous_file_shm.cpp).
#pragma once

#include "core/setup_error.hpp"

namespace xipc::detail {

// An empty, close-on-exec, read-write descriptor of a memory object nobody
// else can open by name; -1 with `why` set on failure.
int open_anonymous_file(failure& why);

}  // namespace xipc::detail
