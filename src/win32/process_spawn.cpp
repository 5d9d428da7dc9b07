#include "win32/process_spawn.hpp"

#include <fmt/format.h>
#include <windows.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <vector>

#include "win32/os_error.hpp"

namespace xipc::detail {
namespace {

bool usable(native_handle_type handle) noexcept { return handle != nullptr && handle != INVALID_HANDLE_VALUE; }

// Marks handles inheritable for the one CreateProcessW call and restores
// their flags afterwards. The handle list given to CreateProcessW limits what
// this child inherits to them, whatever else is inheritable in the process.
class inheritable_for_spawn {
 public:
  explicit inheritable_for_spawn(std::vector<HANDLE> handles) : handles_(std::move(handles)) {
    for (HANDLE handle : handles_) {
      DWORD flags = 0;
      ::GetHandleInformation(handle, &flags);
      was_inheritable_.push_back((flags & HANDLE_FLAG_INHERIT) != 0);
      ::SetHandleInformation(handle, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT);
    }
  }
  ~inheritable_for_spawn() {
    for (std::size_t i = 0; i < handles_.size(); ++i) {
      if (!was_inheritable_[i]) ::SetHandleInformation(handles_[i], HANDLE_FLAG_INHERIT, 0);
    }
  }
  inheritable_for_spawn(const inheritable_for_spawn&) = delete;
  inheritable_for_spawn& operator=(const inheritable_for_spawn&) = delete;

  std::vector<HANDLE>& handles() noexcept { return handles_; }

 private:
  std::vector<HANDLE> handles_;
  std::vector<bool> was_inheritable_;
};

// This process's environment with `extra` set on top, as a CREATE_UNICODE_ENVIRONMENT block.
std::wstring environment_block(std::span<const std::pair<std::string, std::string>> extra, failure& why) {
  std::vector<std::wstring> entries;
  if (wchar_t* block = ::GetEnvironmentStringsW()) {
    for (const wchar_t* entry = block; *entry != L'\0'; entry += std::wcslen(entry) + 1) entries.emplace_back(entry);
    ::FreeEnvironmentStringsW(block);
  }
  for (const auto& [name, value] : extra) {
    const std::wstring key = widen(name, why) + L"=";
    const std::wstring setting = key + widen(value, why);
    std::erase_if(entries, [&](const std::wstring& entry) { return entry.starts_with(key); });
    entries.push_back(setting);
  }
  std::wstring joined;
  for (const auto& entry : entries) {
    joined += entry;
    joined.push_back(L'\0');
  }
  joined.push_back(L'\0');
  return joined;
}

}  // namespace

std::wstring command_line(std::span<const std::wstring> words) {
  std::wstring line;
  for (const auto& word : words) {
    if (!line.empty()) line.push_back(L' ');
    if (!word.empty() && word.find_first_of(L" \t\n\v\"") == std::wstring::npos) {
      line += word;
      continue;
    }
    // Inside quotes, backslashes are literal unless they precede a quote:
    // then they and the quote are escaped, and so are those before the closing quote.
    line.push_back(L'"');
    std::size_t backslashes = 0;
    for (const wchar_t c : word) {
      if (c == L'\\') {
        ++backslashes;
        continue;
      }
      if (c == L'"') {
        line.append(backslashes * 2 + 1, L'\\');
      } else {
        line.append(backslashes, L'\\');
      }
      backslashes = 0;
      line.push_back(c);
    }
    line.append(backslashes * 2, L'\\');
    line.push_back(L'"');
  }
  return line;
}

spawned spawn_process(const spawn_request& request, failure& why) {
  std::vector<std::wstring> words{widen(request.program, why)};
  for (const auto& arg : request.args) words.push_back(widen(arg, why));
  const std::wstring environment = environment_block(request.environment, why);
  if (why) return {};
  std::wstring line = command_line(words);

  std::vector<HANDLE> to_inherit;
  auto add = [&](HANDLE handle) {
    if (usable(handle) && std::find(to_inherit.begin(), to_inherit.end(), handle) == to_inherit.end()) {
      to_inherit.push_back(handle);
    }
  };
  for (HANDLE handle : request.standard) add(handle);
  for (HANDLE handle : request.inherited) add(handle);
  inheritable_for_spawn marked(std::move(to_inherit));

  SIZE_T attribute_bytes = 0;
  ::InitializeProcThreadAttributeList(nullptr, 1, 0, &attribute_bytes);
  auto attribute_storage = std::make_unique<std::byte[]>(attribute_bytes);
  auto* attributes = reinterpret_cast<LPPROC_THREAD_ATTRIBUTE_LIST>(attribute_storage.get());
  if (!::InitializeProcThreadAttributeList(attributes, 1, 0, &attribute_bytes)) {
    why = last_os_failure("InitializeProcThreadAttributeList");
    return {};
  }
  const bool inherit = !marked.handles().empty();
  if (inherit && !::UpdateProcThreadAttribute(attributes, 0, PROC_THREAD_ATTRIBUTE_HANDLE_LIST, marked.handles().data(),
                                              marked.handles().size() * sizeof(HANDLE), nullptr, nullptr)) {
    why = last_os_failure("UpdateProcThreadAttribute(PROC_THREAD_ATTRIBUTE_HANDLE_LIST)");
    ::DeleteProcThreadAttributeList(attributes);
    return {};
  }

  STARTUPINFOEXW startup{};
  startup.StartupInfo.cb = sizeof startup;
  startup.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
  startup.StartupInfo.hStdInput = request.standard[0];
  startup.StartupInfo.hStdOutput = request.standard[1];
  startup.StartupInfo.hStdError = request.standard[2];
  startup.lpAttributeList = attributes;
  PROCESS_INFORMATION info{};
  const BOOL created = ::CreateProcessW(nullptr, line.data(), nullptr, nullptr, inherit ? TRUE : FALSE,
                                       EXTENDED_STARTUPINFO_PRESENT | CREATE_UNICODE_ENVIRONMENT,
                                       const_cast<wchar_t*>(environment.c_str()), nullptr, &startup.StartupInfo, &info);
  if (!created) why = last_os_failure(fmt::format("CreateProcessW(\"{}\")", request.program));
  ::DeleteProcThreadAttributeList(attributes);
  if (!created) return {};
  ::CloseHandle(info.hThread);
  return {owned_handle(info.hProcess), static_cast<std::uint32_t>(info.dwProcessId)};
}

}  // namespace xipc::detail
