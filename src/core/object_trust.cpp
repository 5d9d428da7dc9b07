#include "core/object_trust.hpp"

#include <fmt/format.h>

namespace xipc::detail {
namespace {

bool trusted_user(std::uint32_t uid, const permissions& asked) noexcept {
  return uid == current_user_id() || (asked.trusted_uid && uid == *asked.trusted_uid);
}

std::string trusted_users(const permissions& asked) {
  if (!asked.trusted_uid || *asked.trusted_uid == current_user_id()) return fmt::format("uid {}", current_user_id());
  return fmt::format("uid {} or {}", current_user_id(), *asked.trusted_uid);
}

}  // namespace

bool check_found_owner(std::string_view what, const found_owner& found, const permissions& asked, failure& why) {
  const std::uint32_t wider = found.mode & 07777 & ~asked.bits;
  if (trusted_user(found.uid, asked) && (!found.creator_uid || trusted_user(*found.creator_uid, asked)) && wider == 0) {
    return true;
  }
  const std::string creator =
      found.creator_uid && *found.creator_uid != found.uid ? fmt::format(" (created by uid {})", *found.creator_uid) : "";
  why = refuse(errc::permission_denied,
               fmt::format("{} exists, owned by uid {}{} with mode {:04o}; this call trusts only {} and mode {:04o} or "
                           "narrower (permissions::trusting names another owner)",
                           what, found.uid, creator, found.mode & 07777, trusted_users(asked), asked.bits));
  return false;
}

bool check_exact_mode(std::string_view what, std::uint32_t mode, const permissions& asked, failure& why) {
  if ((mode & 07777) == (asked.bits & 07777)) return true;
  why = refuse(errc::invalid_argument,
               fmt::format("{} exists with mode {:04o}; this call asked for {:04o}", what, mode & 07777, asked.bits));
  return false;
}

}  // namespace xipc::detail
