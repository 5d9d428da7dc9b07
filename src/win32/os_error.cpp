#include "win32/os_error.hpp"

#include <fmt/format.h>
#include <windows.h>
#include <winsock2.h>

#include <utility>

namespace xipc::detail {
namespace {

// FormatMessage's text for `code`, without the trailing line break.
std::string system_message(unsigned long code) {
  char* text = nullptr;
  const DWORD length = ::FormatMessageA(
      FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, nullptr, code,
      MAKELANGID(LANG_NEUTRAL, SUBLANG_DEFAULT), reinterpret_cast<char*>(&text), 0, nullptr);
  std::string message = length > 0 && text != nullptr ? std::string(text, length) : std::string("unknown error");
  if (text != nullptr) ::LocalFree(text);
  while (!message.empty() && (message.back() == '\n' || message.back() == '\r' || message.back() == ' ')) {
    message.pop_back();
  }
  return message;
}

}  // namespace

std::error_code error_from_os(unsigned long code) noexcept {
  switch (code) {
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND: return make_error_code(errc::not_found);
    case ERROR_ALREADY_EXISTS:
    case ERROR_FILE_EXISTS: return make_error_code(errc::already_exists);
    case ERROR_ACCESS_DENIED:
    case WSAEACCES: return make_error_code(errc::permission_denied);
    case ERROR_INVALID_NAME:
    case ERROR_BAD_PATHNAME:
    case ERROR_FILENAME_EXCED_RANGE: return make_error_code(errc::invalid_name);
    case ERROR_INVALID_PARAMETER:
    case ERROR_INVALID_HANDLE:
    case WSAEINVAL: return make_error_code(errc::invalid_argument);
    case WAIT_TIMEOUT:
    case ERROR_TIMEOUT:
    case ERROR_SEM_TIMEOUT:
    case WSAETIMEDOUT: return make_error_code(errc::timed_out);
    case WSAEWOULDBLOCK: return make_error_code(errc::would_block);
    case ERROR_BROKEN_PIPE:
    case ERROR_NO_DATA:
    case ERROR_PIPE_NOT_CONNECTED:
    case WSAECONNRESET:
    case WSAECONNABORTED: return make_error_code(errc::peer_closed);
    case ERROR_MORE_DATA:
    case WSAEMSGSIZE: return make_error_code(errc::message_too_large);
    case ERROR_PIPE_BUSY:
    case ERROR_BUSY: return make_error_code(errc::busy);
    default: return {static_cast<int>(code), std::system_category()};
  }
}

failure os_failure(std::string call, unsigned long code) {
  return failure{error_from_os(code), std::move(call), fmt::format("error {}, {}", code, system_message(code))};
}

os_error_value last_os_error() noexcept { return ::GetLastError(); }

failure last_os_failure(std::string call) {
  const DWORD code = ::GetLastError();
  return os_failure(std::move(call), code);
}

std::wstring widen(std::string_view text, failure& why) {
  if (text.empty()) return {};
  const int length = ::MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, text.data(), static_cast<int>(text.size()),
                                           nullptr, 0);
  if (length <= 0) {
    why = refuse(errc::invalid_name, "it is not valid UTF-8");
    return {};
  }
  std::wstring wide(static_cast<std::size_t>(length), L'\0');
  ::MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, text.data(), static_cast<int>(text.size()), wide.data(), length);
  return wide;
}

}  // namespace xipc::detail
