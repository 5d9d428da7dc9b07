// What the example clients share: connecting to a server that may still be
// starting, trying for about five seconds while nobody listens yet.
#pragma once

#include <xipc/endpoint.hpp>
#include <xipc/error.hpp>

#include <chrono>
#include <system_error>
#include <thread>

template <class Stream>
Stream connect_when_ready(const xipc::endpoint& where) {
  std::error_code ec;
  for (int attempt = 0; attempt < 50; ++attempt) {
    Stream stream = Stream::connect(where, std::chrono::seconds(5), ec);
    if (!ec) return stream;
    if (ec != xipc::errc::not_found) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  throw std::system_error(ec, "connecting to " + where.to_string());
}
