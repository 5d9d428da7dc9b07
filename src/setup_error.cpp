#include "setup_error.hpp"

#include <fmt/format.h>

#include <utility>

namespace xipc::detail {

failure refuse(errc code, std::string detail) { return failure{make_error_code(code), {}, std::move(detail)}; }

std::string describe(std::string_view object_kind, std::string_view object_name, const failure& why) {
  std::string text = fmt::format("xipc::{} \"{}\": ", object_kind, object_name);
  if (!why.call.empty()) text += fmt::format("{} failed: ", why.call);
  text += why.code.message();
  if (!why.detail.empty()) text += fmt::format(" ({})", why.detail);
  return text;
}

void throw_setup_error(std::string_view object_kind, std::string_view object_name, const failure& why) {
  throw std::system_error(why.code, describe(object_kind, object_name, why));
}

}  // namespace xipc::detail
