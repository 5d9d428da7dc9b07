// A new memory object with no name, for anonymous_memory: Linux's memfd
// (linux/anonymous_file_memfd.cpp), elsewhere a shared memory object that is
// unlinked as soon as it is open (posix/anonymous_file_shm.cpp).
#pragma once

#include "core/setup_error.hpp"

namespace xipc::detail {

// An empty, close-on-exec, read-write descriptor of a memory object nobody
// else can open by name; -1 with `why` set on failure.
int open_anonymous_file(failure& why);

// Fixes the size of such a file once it has been set, so that no process
// holding it can shrink it under another's mapping (which would make that
// process's reads fault): Linux seals it (F_SEAL_SHRINK, F_SEAL_GROW); where
// there are no seals this does nothing. False, with `why`, on failure.
bool fix_anonymous_file_size(int fd, failure& why);

// Whether the size of the file behind `fd` is fixed that way.
bool anonymous_file_size_fixed(int fd) noexcept;

}  // namespace xipc::detail
