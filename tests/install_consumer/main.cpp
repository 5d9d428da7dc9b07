#include <xipc/xipc.hpp>

#include <cstdio>
#include <cstring>

int main() {
  auto region = xipc::anonymous_memory::create(4096);
  std::memcpy(region.data(), "Hello", 5);
  std::error_code ec;
  xipc::shared_memory::open("no/such", xipc::access::read_only, ec);
  const bool ok = ec == xipc::errc::invalid_name && std::memcmp(region.data(), "Hello", 5) == 0;
  std::printf("consumer: %s\n", ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
