// Who may open a named object. POSIX permission bits; Windows maps owner-only
// to the default security of the creating user's session.
#pragma once

#include <cstdint>

namespace xipc {

struct permissions {
  std::uint32_t bits = 0600;

  // Read and write for the creating user only: the default everywhere.
  static constexpr permissions owner_only() noexcept { return {0600}; }
  // Read and write for the owner and the owner's group.
  static constexpr permissions owner_and_group() noexcept { return {0660}; }
  // Read and write for every user of the machine.
  static constexpr permissions everyone() noexcept { return {0666}; }

  friend constexpr bool operator==(permissions, permissions) noexcept = default;
};

}  // namespace xipc
