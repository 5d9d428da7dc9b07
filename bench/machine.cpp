#include "machine.hpp"

#include <pthread.h>
#include <sched.h>
#include <sys/utsname.h>

#include <fstream>
#include <thread>
#include <vector>

#include <xipc/detail/config.hpp>

namespace xipc::bench {
namespace {

#if XIPC_OS_LINUX

// The CPUs this process may use, read once before any thread is pinned: a
// thread inherits its creator's mask, so asking later would see one core.
const std::vector<int>& allowed_cpus() {
  static const std::vector<int> cpus = [] {
    std::vector<int> list;
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
      for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
        if (CPU_ISSET(cpu, &set)) list.push_back(cpu);
      }
    }
    return list;
  }();
  return cpus;
}

// Reads the mask at start-up, before main() pins anything.
[[maybe_unused]] const bool read_at_startup = !allowed_cpus().empty();

}  // namespace

bool pin_to_core(int core) {
  const auto& cpus = allowed_cpus();
  if (core < 0 || static_cast<std::size_t>(core) >= cpus.size()) return false;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpus[static_cast<std::size_t>(core)], &set);
  return pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
}

int usable_cores() { return static_cast<int>(allowed_cpus().size()); }
#else
}  // namespace

// macOS has no way to bind a thread to a core (thread affinity tags are
// hints the scheduler may ignore): the pairs run unpinned there.
bool pin_to_core(int) { return false; }

int usable_cores() { return static_cast<int>(std::thread::hardware_concurrency()); }
#endif

void add_machine_context() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.starts_with("model name")) {
      benchmark::AddCustomContext("cpu_model", line.substr(line.find(':') + 2));
      break;
    }
  }
  utsname system{};
  if (uname(&system) == 0) {
    // Appended piece by piece: GCC 12 at -O3 warns (-Wrestrict) about operator+ here.
    std::string kernel = system.sysname;
    kernel += ' ';
    kernel += system.release;
    benchmark::AddCustomContext("kernel", kernel);
  }
#if defined(__clang__)
  benchmark::AddCustomContext("compiler", "clang " __clang_version__);
#elif defined(__GNUC__)
  benchmark::AddCustomContext("compiler", "g++ " __VERSION__);
#endif
#ifdef XIPC_BUILD_FLAGS
  benchmark::AddCustomContext("build_flags", XIPC_BUILD_FLAGS);
#endif
  benchmark::AddCustomContext("usable_cores", std::to_string(usable_cores()));
}

}  // namespace xipc::bench
