// Waiting for any of many handles at once: what wait_set sleeps in. Each
// backend implements it (posix/handle_wait.cpp: poll; win32/handle_wait.cpp:
// WaitForMultipleObjects).
#pragma once

#include <chrono>
#include <cstdint>
#include <span>

#include <xipc/native_handle.hpp>

#include "core/setup_error.hpp"

namespace xipc::detail {

struct handle_interest {
  native_handle_type handle = invalid_native_handle;
  bool writable = false;  // a descriptor waited on for writing, not reading
  bool fired = false;     // set by wait_for_handles
};

// Sleeps until at least one handle is ready or `timeout` passes, and marks
// the ready ones `fired` (a descriptor that failed or hung up counts as
// ready: the operation on it says what happened). Returns how many fired;
// 0 when the time ran out or a signal interrupted.
std::size_t wait_for_handles(std::span<handle_interest> handles, std::chrono::milliseconds timeout) noexcept;

// Whether this backend can wait on plain descriptors (sockets, pipes) beside
// readiness handles; false names why in `why`.
bool can_wait_for_descriptors(failure& why);

}  // namespace xipc::detail
