// How setup calls report failure. The implementation of every create/open
// fills a failure; the error_code& overload keeps only its code, the throwing
// overload turns all of it into a std::system_error message that names the
// object, the failing OS call and the reason.
#pragma once

#include <string>
#include <string_view>
#include <system_error>

#include <xipc/error.hpp>

namespace xipc::detail {

struct failure {
  std::error_code code;
  // The OS call that failed with its main argument, e.g. shm_open("/xipc.jobs"); empty when xipc itself refused.
  std::string call;
  // Why, in words: the OS's own text and number, or the rule that was broken.
  std::string detail;

  explicit operator bool() const noexcept { return static_cast<bool>(code); }
};

// A failure that xipc detects itself, before or without an OS call.
failure refuse(errc code, std::string detail);

// "xipc::shared_memory "jobs": shm_open("/xipc.jobs") failed: object not found (errno 2, No such file or directory)"
std::string describe(std::string_view object_kind, std::string_view object_name, const failure& why);

[[noreturn]] void throw_setup_error(std::string_view object_kind, std::string_view object_name, const failure& why);

// Runs a setup implementation `make(failure&)` and reports as the overload asks:
// through `ec` when given, else by throwing.
template <class Make>
auto report_to(std::error_code& ec, Make&& make) {
  failure why;
  auto result = make(why);
  ec = why.code;
  return result;
}

template <class Make>
auto report_or_throw(std::string_view object_kind, std::string_view object_name, Make&& make) {
  failure why;
  auto result = make(why);
  if (why) throw_setup_error(object_kind, object_name, why);
  return result;
}

}  // namespace xipc::detail
