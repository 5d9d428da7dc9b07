// Helpers every benchmark shares: pinning threads to cores, and keeping the
// compiler from optimising measured work away.
#pragma once

#include <benchmark/benchmark.h>

#include <string>

namespace xipc::bench {

// Pins the calling thread to the core-th CPU this process may use; returns whether it could.
bool pin_to_core(int core);

// Number of CPUs this process may run on, as it started.
int usable_cores();

// Describes the machine for the report's context: CPU model, kernel, compiler.
void add_machine_context();

}  // namespace xipc::bench
