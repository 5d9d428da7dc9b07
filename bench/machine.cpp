#include "machine.hpp"

#include <pthread.h>
#include <sched.h>
#include <sys/utsname.h>

#include <fstream>

namespace xipc::bench {

bool pin_to_core(int core) {
  if (core >= CPU_SETSIZE || core >= usable_cores()) return false;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(core, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
}

int usable_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return 1;
  return CPU_COUNT(&set);
}

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
  if (uname(&system) == 0) benchmark::AddCustomContext("kernel", std::string(system.sysname) + " " + system.release);
#if defined(__clang__)
  benchmark::AddCustomContext("compiler", "clang " __clang_version__);
#elif defined(__GNUC__)
  benchmark::AddCustomContext("compiler", "g++ " __VERSION__);
#endif
  benchmark::AddCustomContext("usable_cores", std::to_string(usable_cores()));
}

}  // namespace xipc::bench
