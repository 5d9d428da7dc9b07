#include "process_pair.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <thread>

#include "machine.hpp"

namespace xipc::bench {

partner_process::partner_process(const std::function<void()>& body) {
  pid_ = ::fork();
  if (pid_ == 0) {
    pin_to_core(1);
    body();
    ::_exit(0);
  }
}

partner_process::~partner_process() {
  if (pid_ <= 0) return;
  for (int waited_ms = 0; waited_ms < 5000; ++waited_ms) {
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
}

void latency_samples::report(benchmark::State& state) {
  if (samples_.empty()) return;
  std::sort(samples_.begin(), samples_.end());
  const auto at = [&](double fraction) {
    return samples_[std::min(samples_.size() - 1, static_cast<std::size_t>(fraction * static_cast<double>(samples_.size())))];
  };
  state.counters["p50_ns"] = at(0.50);
  state.counters["p99_ns"] = at(0.99);
  state.counters["p999_ns"] = at(0.999);
  state.counters["max_ns"] = samples_.back();
}

double report_floor(benchmark::State& state, double floor_before_ns) {
  const double floor_ns = (floor_before_ns + floor_rtt_now()) / 2;
  state.counters["floor_ns"] = floor_ns;
  return floor_ns;
}

void report_rtt(benchmark::State& state, std::chrono::steady_clock::duration elapsed, double floor_before_ns) {
  const double rtt = std::chrono::duration<double, std::nano>(elapsed).count() / static_cast<double>(state.iterations());
  state.counters["rtt_ns"] = rtt;
  state.counters["vs_floor"] = rtt / report_floor(state, floor_before_ns);
}

}  // namespace xipc::bench
