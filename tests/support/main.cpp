// The test binary's entry point: either a peer role (see peer_process.hpp)
// or the GoogleTest suite.
#include <gtest/gtest.h>

#include "support/peer_process.hpp"

int main(int argc, char** argv) {
  if (const auto code = xipc::test::run_role_from_argv(argc, argv)) return *code;
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
