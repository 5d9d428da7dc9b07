#include "win32/object_owner.hpp"

#include <aclapi.h>
#include <fmt/format.h>
#include <sddl.h>

#include <memory>
#include <string>

#include "win32/os_error.hpp"

namespace xipc::detail {
namespace {

// One piece of the process token (TokenUser, TokenOwner), read once.
std::unique_ptr<std::byte[]> token_information(TOKEN_INFORMATION_CLASS what) noexcept {
  HANDLE token = nullptr;
  if (!::OpenProcessToken(::GetCurrentProcess(), TOKEN_QUERY, &token)) return {};
  DWORD size = 0;
  ::GetTokenInformation(token, what, nullptr, 0, &size);
  std::unique_ptr<std::byte[]> data;
  if (size > 0) {
    data = std::make_unique<std::byte[]>(size);
    if (!::GetTokenInformation(token, what, data.get(), size, &size)) data.reset();
  }
  ::CloseHandle(token);
  return data;
}

PSID token_user() noexcept {
  static const auto user = token_information(TokenUser);
  return user ? reinterpret_cast<TOKEN_USER*>(user.get())->User.Sid : nullptr;
}

PSID token_owner() noexcept {
  static const auto owner = token_information(TokenOwner);
  return owner ? reinterpret_cast<TOKEN_OWNER*>(owner.get())->Owner : nullptr;
}

bool is_caller(PSID sid) noexcept {
  return sid != nullptr && ((token_user() != nullptr && ::EqualSid(sid, token_user())) ||
                            (token_owner() != nullptr && ::EqualSid(sid, token_owner())));
}

std::string sid_text(PSID sid) {
  LPSTR text = nullptr;
  if (sid == nullptr || !::ConvertSidToStringSidA(sid, &text)) return "(unknown)";
  std::string result(text);
  ::LocalFree(text);
  return result;
}

// SYSTEM, the administrators, and this logon session (S-1-5-5-x-y): the
// principals a default Windows DACL names besides the user.
bool is_system_principal(PSID sid) noexcept {
  return ::IsWellKnownSid(sid, WinLocalSystemSid) || ::IsWellKnownSid(sid, WinBuiltinAdministratorsSid) ||
         ::IsWellKnownSid(sid, WinCreatorOwnerSid) || sid_text(sid).rfind("S-1-5-5-", 0) == 0;
}

// The first principal other than the caller that `dacl` lets in, or "" when none.
std::string wider_grant(PACL dacl) {
  if (dacl == nullptr) return "everyone (a null DACL)";
  for (DWORD index = 0; index < dacl->AceCount; ++index) {
    void* entry = nullptr;
    if (!::GetAce(dacl, index, &entry)) continue;
    const auto* header = static_cast<ACE_HEADER*>(entry);
    if (header->AceType != ACCESS_ALLOWED_ACE_TYPE) continue;
    auto* allowed = static_cast<ACCESS_ALLOWED_ACE*>(entry);
    PSID sid = &allowed->SidStart;
    if (allowed->Mask != 0 && !is_caller(sid) && !is_system_principal(sid)) return sid_text(sid);
  }
  return {};
}

}  // namespace

std::uint32_t current_user_id() noexcept { return 0; }

bool check_handle_owner(HANDLE handle, std::string_view what, const permissions& asked, failure& why) {
  PSID owner = nullptr;
  PACL dacl = nullptr;
  PSECURITY_DESCRIPTOR descriptor = nullptr;
  const DWORD code = ::GetSecurityInfo(handle, SE_KERNEL_OBJECT, OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION,
                                       &owner, nullptr, &dacl, nullptr, &descriptor);
  if (code != ERROR_SUCCESS) {
    why = os_failure(fmt::format("GetSecurityInfo(\"{}\")", what), code);
    return false;
  }
  std::string problem;
  if (!is_caller(owner)) {
    problem = fmt::format("owned by {}, not by this user ({})", sid_text(owner), sid_text(token_user()));
  } else if ((asked.bits & 077) == 0) {
    if (const std::string other = wider_grant(dacl); !other.empty()) {
      problem = fmt::format("its DACL lets {} in, wider than owner-only", other);
    }
  }
  ::LocalFree(descriptor);
  if (problem.empty()) return true;
  why = refuse(errc::permission_denied, fmt::format("{} exists, {}", what, problem));
  return false;
}

namespace {

// A protected DACL: all access for the current user and, when `everyone`,
// for every user too. The descriptor lives as long as the process.
SECURITY_ATTRIBUTES make_security(bool everyone) noexcept {
  SECURITY_ATTRIBUTES made{sizeof(SECURITY_ATTRIBUTES), nullptr, FALSE};
  LPWSTR sid = nullptr;
  if (token_user() != nullptr && ::ConvertSidToStringSidW(token_user(), &sid)) {
    std::wstring sddl = std::wstring(L"D:P(A;;GA;;;") + sid + L")";
    if (everyone) sddl += L"(A;;GA;;;WD)";
    ::ConvertStringSecurityDescriptorToSecurityDescriptorW(sddl.c_str(), SDDL_REVISION_1, &made.lpSecurityDescriptor,
                                                           nullptr);
    ::LocalFree(sid);
  }
  return made;
}

}  // namespace

SECURITY_ATTRIBUTES* owner_only_security() noexcept {
  static SECURITY_ATTRIBUTES attributes = make_security(false);
  return attributes.lpSecurityDescriptor != nullptr ? &attributes : nullptr;
}

SECURITY_ATTRIBUTES* security_for(const permissions& perms) noexcept {
  if ((perms.bits & 077) == 0) return owner_only_security();
  static SECURITY_ATTRIBUTES shared = make_security(true);
  return shared.lpSecurityDescriptor != nullptr ? &shared : nullptr;
}

}  // namespace xipc::detail
