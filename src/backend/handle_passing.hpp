// Handle passing as each backend does it: send_handles and receive_handles
// (declared in xipc/handle_passing.hpp; posix/handle_passing.cpp sends the
// handles beside the frame with SCM_RIGHTS, win32/handle_passing.cpp
// duplicates them into the peer), and the check of an arrived handle below.
// The frame itself is portable (net/handle_frame.hpp, net/handle_passing.cpp).
#pragma once

#include <xipc/handle_passing.hpp>
#include <xipc/native_handle.hpp>

#include "core/setup_error.hpp"

namespace xipc::detail {

// Whether `handle` is an object of `kind`: the OS part of adopt, one per
// backend. False with errc::corrupted (or the OS failure) in `why` otherwise.
bool passed_handle_fits(native_handle_type handle, handle_kind kind, failure& why);

}  // namespace xipc::detail
