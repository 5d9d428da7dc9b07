// A named pipe server, a client connected to it, and the server's end of that
// connection, for tests of what flows between them.
#pragma once

#include <gtest/gtest.h>
#include <xipc/named_pipe.hpp>

#include <chrono>
#include <string>

namespace xipc::test {

struct named_pipe_pair {
  named_pipe_server server;
  named_pipe client;
  named_pipe served;
};

inline named_pipe_pair connect_named_pipe_pair(const std::string& name, const named_pipe_options& options = {}) {
  named_pipe_pair pair;
  pair.server = named_pipe_server::create(name, options);
  pair.client = named_pipe::connect(name, options, std::chrono::seconds(1));
  EXPECT_FALSE(pair.server.accept(pair.served, std::chrono::seconds(1)));
  return pair;
}

}  // namespace xipc::test
