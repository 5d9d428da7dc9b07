// backend/handle_wait.hpp on Windows: WaitForMultipleObjects over the event
// HANDLEs of readiness handles, at most MAXIMUM_WAIT_OBJECTS (64) of them.
#include "backend/handle_wait.hpp"

#include <windows.h>

#include <algorithm>

namespace xipc::detail {

std::size_t wait_for_handles(std::span<handle_interest> handles, std::chrono::milliseconds timeout) noexcept {
  if (handles.empty() || handles.size() > MAXIMUM_WAIT_OBJECTS) return 0;
  HANDLE list[MAXIMUM_WAIT_OBJECTS];
  for (std::size_t i = 0; i < handles.size(); ++i) list[i] = handles[i].handle;
  const auto ms = static_cast<DWORD>(std::clamp<std::chrono::milliseconds::rep>(timeout.count(), 0, INFINITE - 1));
  const DWORD first = ::WaitForMultipleObjects(static_cast<DWORD>(handles.size()), list, FALSE, ms);
  if (first >= WAIT_OBJECT_0 + handles.size()) return 0;
  // The first one wins the wait; the others are looked at without waiting.
  std::size_t fired = 0;
  for (std::size_t i = 0; i < handles.size(); ++i) {
    handles[i].fired = i == first - WAIT_OBJECT_0 || ::WaitForSingleObject(list[i], 0) == WAIT_OBJECT_0;
    fired += handles[i].fired ? 1 : 0;
  }
  return fired;
}

bool can_wait_for_descriptors(failure& why) {
  why = refuse(errc::not_supported,
               "Windows pipes and sockets have no handle that turns signaled when readable; wait_set takes "
               "xipc rings and mailboxes here");
  return false;
}

}  // namespace xipc::detail
