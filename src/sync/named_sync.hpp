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

// Waits the short while a creator may still be formatting a region it just
// made: until `magic` is set, 50 ms at most.
void wait_for_magic(const std::atomic<std::uint64_t>& magic) noexcept;

}  // namespace xipc::detail
