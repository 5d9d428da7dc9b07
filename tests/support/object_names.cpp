#include "support/object_names.hpp"

#include <gtest/gtest.h>
#include <unistd.h>
#include <xipc/name.hpp>

#include <atomic>
#include <cctype>
#include <string>

namespace xipc::test {

std::string unique_name(std::string_view label) {
  static std::atomic<unsigned> counter{0};
  std::string name = "xt" + std::to_string(::getpid()) + "." + std::to_string(counter++) + ".";
  if (label.empty()) {
    if (const auto* info = ::testing::UnitTest::GetInstance()->current_test_info()) label = info->name();
  }
  for (const char c : label) name += (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-') ? c : '_';
  if (name.size() > max_name_bytes) name.resize(max_name_bytes);
  return name;
}

}  // namespace xipc::test
