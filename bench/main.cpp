// xipc-bench: every transport and every baseline in one binary, so that
// results are read as ratios between numbers measured in the same run.
// Names follow <transport>/<measure>/<bytes>.
#include <benchmark/benchmark.h>

#include "machine.hpp"

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  xipc::bench::add_machine_context();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
