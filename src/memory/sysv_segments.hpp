// The xipc segments among the System V shared memory segments the OS shows
// (linux/sysv_shared_memory.cpp reads /proc/sysvipc/shm and each segment's
// trailer; memory/sysv_shared_memory_none.cpp has none to show).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace xipc::detail {

struct sysv_segment {
  std::string name;  // from the trailer, checked: a valid name whose key is the segment's
  std::int32_t key = 0;
  int id = 0;
  std::uint64_t bytes = 0;  // the region's, without the trailer
  std::uint32_t uid = 0;
  std::uint32_t mode = 0;
  std::int64_t changed = 0;  // ctime, seconds since 1970
  std::uint32_t attached = 0;
  std::uint32_t creator_pid = 0;
};

// The current user's xipc segments, or every user's that this process may
// read with `all_users`. Segments without an xipc trailer are not listed.
std::vector<sysv_segment> list_sysv_segments(bool all_users);

}  // namespace xipc::detail
