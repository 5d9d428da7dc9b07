// Calls the port date server: asks for the date, then makes `calls` echo
// calls from two threads at once on the one connection, checks that every
// reply answers its own call, and prints the time a call takes.
//
//   port_date_client [calls]     (default 10000)
#include <xipc/port.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <thread>
#include <vector>

namespace {

xipc::port connect_when_up(const char* name) {
  std::error_code ec;
  for (int attempt = 0; attempt < 50; ++attempt) {
    auto client = xipc::port::connect(name, std::chrono::seconds(5), ec);
    if (!ec) return client;
    if (ec != xipc::errc::not_found) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  throw std::system_error(ec, std::string("connecting to port ") + name);
}

}  // namespace

int main(int argc, char** argv) try {
  const long calls = argc > 1 ? std::atol(argv[1]) : 10000;
  auto client = connect_when_up("xipc-date");
  std::array<std::byte, 256> reply{};
  const std::string date = "date";
  const auto answer = client.call(std::as_bytes(std::span(date)), reply, std::chrono::seconds(5));
  if (answer.error) throw std::system_error(answer.error, "calling for the date");
  std::printf("port_date_client: the server says %.*s\n", static_cast<int>(answer.bytes),
              reinterpret_cast<const char*>(reply.data()));

  std::atomic<long> wrong{0};
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> callers;
  for (int t = 0; t < 2; ++t) {
    callers.emplace_back([&, t] {
      std::array<std::byte, 256> echoed{};
      for (long i = t; i < calls; i += 2) {
        const std::string text = "echo " + std::to_string(i);
        const auto got = client.call(std::as_bytes(std::span(text)), echoed, std::chrono::seconds(5));
        if (got.error || got.bytes != text.size() ||
            !std::equal(text.begin(), text.end(), reinterpret_cast<const char*>(echoed.data()))) {
          ++wrong;
        }
      }
    });
  }
  for (auto& caller : callers) caller.join();
  const std::chrono::duration<double, std::micro> took = std::chrono::steady_clock::now() - start;
  std::printf("port_date_client: %ld echo calls from 2 threads, %ld wrong, %.1f us per call\n", calls, wrong.load(),
              took.count() / static_cast<double>(calls));
  return wrong.load() == 0 ? 0 : 1;
} catch (const std::exception& e) {
  std::fprintf(stderr, "port_date_client: %s\n", e.what());
  return 1;
}
