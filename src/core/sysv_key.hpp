// The System V key of an xipc object: FNV-1a of "<prefix><name>" folded to
// 31 bits, 0 (IPC_PRIVATE) made 1. Keys are how System V finds an object;
// each kind has its prefix ("xipc.mbox." for a mailbox's queue, "xipc.shm."
// for shared memory), as names have (xipc/name.hpp). Documented in
// docs/mailbox.md and docs/shared_memory.md.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/stable_hash.hpp"

namespace xipc::detail {

inline std::int32_t sysv_key(std::string_view prefix, std::string_view name) {
  std::string text(prefix);
  text += name;
  const std::uint64_t hash = stable_hash(text);
  const auto key = static_cast<std::int32_t>((hash ^ (hash >> 32)) & 0x7fffffffu);
  return key == 0 ? 1 : key;  // 0 is IPC_PRIVATE
}

inline std::int32_t sysv_shared_memory_key(std::string_view name) { return sysv_key("xipc.shm.", name); }

}  // namespace xipc::detail
