// Names the typed contract tests by mechanism ("pipe", "fifo", ...) rather
// than by C++ type: each mechanism type has a static `name`.
#pragma once

#include <string>

namespace xipc::test {

struct mechanism_name {
  template <class Mechanism>
  static std::string GetName(int) {
    return Mechanism::name;
  }
};

}  // namespace xipc::test
