#include <xipc/detail/config.hpp>
#include <xipc/error.hpp>
#include <xipc/name.hpp>

#include <fmt/format.h>

#include <cstdint>

#include "core/stable_hash.hpp"

namespace xipc {
namespace {

constexpr std::string_view allowed_rule =
    "a portable name is 1 to 100 characters from A-Z a-z 0-9 . _ - and is not \".\" or \"..\"";
static_assert(max_name_bytes == 100, "allowed_rule states the limit in words");

constexpr bool is_portable_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == '-';
}

// macOS rejects shm and semaphore names longer than this (PSHMNAMLEN), leading slash included.
constexpr std::size_t macos_max_name_chars = 31;


}  // namespace

target_os current_os() noexcept {
#if XIPC_OS_WINDOWS
  return target_os::windows;
#elif XIPC_OS_MACOS
  return target_os::macos;
#else
  return target_os::posix;
#endif
}

std::error_code validate_name(std::string_view name, std::string* why) {
  auto reject = [&](std::string reason) {
    if (why) *why = fmt::format("{}; {}", reason, allowed_rule);
    return make_error_code(errc::invalid_name);
  };
  if (name.empty()) return reject("the name is empty");
  if (name.size() > max_name_bytes) return reject(fmt::format("the name is {} characters long", name.size()));
  if (name == "." || name == "..") return reject(fmt::format("\"{}\" is reserved", name));
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (!is_portable_char(name[i])) {
      const auto byte = static_cast<unsigned char>(name[i]);
      return reject(fmt::format("character 0x{:02x} at position {} is not allowed", byte, i));
    }
  }
  return {};
}

std::string os_name(name_kind kind, std::string_view name, target_os os) {
  if (kind == name_kind::named_pipe || kind == name_kind::port) {
    const bool port = kind == name_kind::port;
    if (os == target_os::windows) return fmt::format("\\\\.\\pipe\\xipc{}{}", port ? ":port." : ".", name);
    return fmt::format("{}{}.sock", port ? "port:" : "", name);
  }
  // ':' is no portable character: the kinds' namespaces cannot overlap.
  const std::string_view prefix = kind == name_kind::mailbox     ? "xipc:mbox."
                                  : kind == name_kind::ring      ? "xipc:ring."
                                  : kind == name_kind::semaphore ? "xipc:sem."
                                  : kind == name_kind::mutex     ? "xipc:mtx."
                                  : kind == name_kind::condition ? "xipc:cnd."
                                  : kind == name_kind::broadcast ? "xipc:bcst."
                                                                 : "xipc.";
  switch (os) {
    case target_os::windows:
      return fmt::format("Local\\{}{}", prefix, name);
    case target_os::macos: {
      std::string mapped = fmt::format("/{}{}", prefix, name);
      if (mapped.size() <= macos_max_name_chars) return mapped;
      if (kind != name_kind::shared_memory) return fmt::format("/{}{:016x}", prefix, detail::stable_hash(name));
      return fmt::format("/{}{}.{:016x}", prefix, name.substr(0, 8), detail::stable_hash(name));
    }
    case target_os::posix:
      break;
  }
  return fmt::format("/{}{}", prefix, name);
}

}  // namespace xipc
