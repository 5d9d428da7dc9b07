// A global operator new that counts, for tests that prove a path allocates
// nothing. Linked only into xipc-allocation-tests.
#pragma once

#include <cstddef>

namespace xipc::test {

// Calls of the global operator new since the program started.
std::size_t allocations_so_far() noexcept;

}  // namespace xipc::test
