// Who may open a named object, and which existing objects a caller trusts.
// POSIX permission bits; Windows maps owner-only to a DACL for the creating
// user alone. Thread safety: a plain value, safe to copy and share.
#pragma once

#include <cstdint>
#include <optional>

namespace xipc {

struct permissions {
  // The mode a new object gets (the umask does not apply), and the widest
  // mode an existing object may have for open and open_or_create to trust it.
  std::uint32_t bits = 0600;
  // Existing objects are trusted only when the calling user owns them, or
  // this user (a POSIX uid) when it is set. Anything else is
  // errc::permission_denied, naming the owner and mode found. Windows compares
  // the owner SID with the calling user's and ignores this field.
  std::optional<std::uint32_t> trusted_uid;

  // Read and write for the creating user only: the default everywhere.
  static constexpr permissions owner_only() noexcept { return {0600, {}}; }
  // Read and write for the owner and the owner's group.
  static constexpr permissions owner_and_group() noexcept { return {0660, {}}; }
  // Read and write for every user of the machine.
  static constexpr permissions everyone() noexcept { return {0666, {}}; }

  // The same, also trusting objects that user `uid` made.
  constexpr permissions trusting(std::uint32_t uid) const noexcept { return {bits, uid}; }

  friend constexpr bool operator==(const permissions&, const permissions&) noexcept = default;
};

}  // namespace xipc
