// Sends 16 MiB buffers to port_bulk_server as calls and checks the checksum
// each reply carries; prints the rate.
//
//   port_bulk_client [buffers]     (default 16)
#include <xipc/port.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <thread>
#include <vector>

#include "port_bulk.hpp"

int main(int argc, char** argv) try {
  const long buffers = argc > 1 ? std::atol(argv[1]) : 16;
  std::error_code ec;
  xipc::port client;
  for (int attempt = 0; attempt < 50; ++attempt) {
    client = xipc::port::connect(port_bulk::name, std::chrono::seconds(5), ec);
    if (ec != xipc::errc::not_found) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (ec) throw std::system_error(ec, "connecting");
  std::vector<std::byte> buffer(port_bulk::section_bytes);
  std::uint64_t state = 88172645463325252ull;
  const auto start = std::chrono::steady_clock::now();
  for (long i = 0; i < buffers; ++i) {
    for (auto& b : buffer) {  // new contents every time: xorshift
      state ^= state << 13;
      state ^= state >> 7;
      state ^= state << 17;
      b = static_cast<std::byte>(state);
    }
    std::uint64_t sum = 0;
    const auto got = client.call(buffer, std::as_writable_bytes(std::span(&sum, 1)), std::chrono::seconds(10));
    if (got.error) throw std::system_error(got.error, "calling");
    if (got.bytes != sizeof sum || sum != port_bulk::checksum(buffer)) {
      std::fprintf(stderr, "port_bulk_client: buffer %ld came back with a wrong checksum\n", i);
      return 1;
    }
  }
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  std::printf("port_bulk_client: %ld buffers of 16 MiB through the section, checksums match (%.0f MiB/s with "
              "filling and summing)\n",
              buffers, static_cast<double>(buffers) * 16 / took.count());
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "port_bulk_client: %s\n", e.what());
  return 1;
}
