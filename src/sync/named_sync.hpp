// What the named synchronization objects share: a small region of their own
// in their kind's namespace, created all or nothing and checked on open.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include <xipc/name.hpp>
#include <xipc/permissions.hpp>
#include <xipc/shared_memory.hpp>

#include "core/setup_error.hpp"

namespace xipc::detail {

// Whether `memory` can hold an object of `bytes` bytes that needs 8-byte
// alignment; errc::invalid_argument naming what is wrong otherwise.
bool check_placement(std::span<std::byte> memory, std::size_t bytes, failure& why);

// The region of the existing named object `name` of `kind`, opened read-write
// (read-only for a look that changes nothing, as the xipc tool takes)
// and checked as every named object is, once its creator has formatted it
// (its layout starts with the magic that formatting writes last); empty with
// `why` set on failure. Whether it holds such an object is the caller's check.
struct sync_regions {
  static shared_memory open(std::string_view name, name_kind kind, const permissions& perms, failure& why,
                            access mode = access::read_write);
  // Removes the named object's region: false when there was none.
  static bool remove(std::string_view name, name_kind kind, failure& why);
};

// Waits the short while a creator may still be formatting a region it just
// made: until `magic` is set, 50 ms at most.
void wait_for_magic(const std::atomic<std::uint64_t>& magic) noexcept;

}  // namespace xipc::detail
