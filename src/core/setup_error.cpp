#include "core/setup_error.hpp"

#include <fmt/format.h>

#include <stdexcept>
#include <utility>

namespace xipc::detail {
namespace {

// std::system_error's what() appends the code's message to the text it is
// given; describe() has said it already, in its place. This keeps the text
// whole (a runtime_error copies without throwing, as exceptions must).
class setup_error final : public std::system_error {
 public:
  setup_error(std::error_code code, const std::string& text) : std::system_error(code), text_(text) {}
  const char* what() const noexcept override { return text_.what(); }

 private:
  std::runtime_error text_;
};

}  // namespace

failure refuse(errc code, std::string detail) { return failure{make_error_code(code), {}, std::move(detail)}; }

std::string describe(std::string_view object_kind, std::string_view object_name, const failure& why) {
  std::string text = fmt::format("xipc::{} \"{}\": ", object_kind, object_name);
  if (!why.call.empty()) text += fmt::format("{} failed: ", why.call);
  text += why.code.message();
  if (!why.detail.empty()) text += fmt::format(" ({})", why.detail);
  return text;
}

void throw_setup_error(std::string_view object_kind, std::string_view object_name, const failure& why) {
  throw setup_error(why.code, describe(object_kind, object_name, why));
}

}  // namespace xipc::detail
