// Raw pipes between two processes: the syscall baseline that a blocking
// transport is compared with.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <chrono>
#include <vector>

#include "machine.hpp"
#include "process_pair.hpp"

namespace {

bool transfer(int fd, std::byte* data, std::size_t size, bool write_it) {
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = write_it ? ::write(fd, data + done, size - done) : ::read(fd, data + done, size - done);
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

void pipe_rtt(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  const double floor_before_ns = xipc::bench::floor_rtt_now();
  int ping[2];
  int pong[2];
  if (::pipe(ping) != 0 || ::pipe(pong) != 0) {
    state.SkipWithError("pipe failed");
    return;
  }
  {
    xipc::bench::partner_process partner([&] {
      ::close(ping[1]);
      ::close(pong[0]);
      std::vector<std::byte> buffer(size);
      while (transfer(ping[0], buffer.data(), size, false) && transfer(pong[1], buffer.data(), size, true)) {
      }
    });
    xipc::bench::pin_to_core(0);
    std::vector<std::byte> buffer(size, std::byte{7});
    const auto echo = [&] {
      return transfer(ping[1], buffer.data(), size, true) && transfer(pong[0], buffer.data(), size, false);
    };
    xipc::bench::latency_samples samples;
    // A pipe round trip is ~300 times the floor's: fewer untimed ones do.
    const auto elapsed =
        xipc::bench::timed_round_trips(state, samples, echo, xipc::bench::warm_up_round_trips / 20);
    ::close(ping[1]);  // the partner reads end-of-file and exits
    xipc::bench::report_rtt(state, elapsed, floor_before_ns);
    samples.report(state);
  }
  ::close(ping[0]);
  ::close(pong[0]);
  ::close(pong[1]);
}

}  // namespace

BENCHMARK(pipe_rtt)->Name("pipe/rtt")->Arg(64);
