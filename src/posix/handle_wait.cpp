// backend/handle_wait.hpp on POSIX: poll(2).
#include "backend/handle_wait.hpp"

#include <poll.h>

#include <algorithm>
#include <climits>
#include <vector>

namespace xipc::detail {

std::size_t wait_for_handles(std::span<handle_interest> handles, std::chrono::milliseconds timeout) noexcept {
  // Small sets on the stack; a set larger than this allocates once per wait.
  constexpr std::size_t on_stack = 32;
  pollfd stack[on_stack];
  std::vector<pollfd> heap;
  pollfd* fds = stack;
  if (handles.size() > on_stack) {
    try {
      heap.resize(handles.size());
    } catch (...) {
      return 0;  // the caller's next slice tries again
    }
    fds = heap.data();
  }
  for (std::size_t i = 0; i < handles.size(); ++i) {
    fds[i] = {handles[i].handle, static_cast<short>(handles[i].writable ? POLLOUT : POLLIN), 0};
  }
  const auto ms = std::clamp<std::chrono::milliseconds::rep>(timeout.count(), 0, INT_MAX);
  if (::poll(fds, static_cast<nfds_t>(handles.size()), static_cast<int>(ms)) <= 0) return 0;
  std::size_t fired = 0;
  for (std::size_t i = 0; i < handles.size(); ++i) {
    handles[i].fired = fds[i].revents != 0;
    fired += handles[i].fired ? 1 : 0;
  }
  return fired;
}

bool can_wait_for_descriptors(failure&) { return true; }

}  // namespace xipc::detail
