#include "posix/system_limit.hpp"

#include <cstdio>

namespace xipc::detail {

long read_system_limit(const char* path) noexcept {
  std::FILE* file = std::fopen(path, "re");
  if (file == nullptr) return -1;
  long value = -1;
  if (std::fscanf(file, "%ld", &value) != 1) value = -1;
  std::fclose(file);
  return value;
}

}  // namespace xipc::detail
