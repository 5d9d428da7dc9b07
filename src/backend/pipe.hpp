// An anonymous pipe: what make_pipe and child_process stand on. Each backend
// implements this once (posix/pipe.cpp, win32/pipe.cpp), with the members of
// pipe_end and pipe_atomic_write_bytes() that xipc/pipe.hpp declares.
#pragma once

#include <xipc/pipe.hpp>

#include "core/setup_error.hpp"

namespace xipc::detail {

// A new pipe whose ends no child process inherits unless it is given one
// (child_process routes an end explicitly). Blocking ends on POSIX.
pipe_ends open_pipe(failure& why);

}  // namespace xipc::detail
