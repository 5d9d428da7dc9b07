// The synchronization objects against Boost.Interprocess's named ones, in
// one process and one run: an uncontended lock and unlock, and a semaphore
// post followed by the wait that takes it (no sleeper: the fast path).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <boost/interprocess/sync/named_mutex.hpp>
#include <boost/interprocess/sync/named_semaphore.hpp>
#include <mutex>
#include <string>
#include <xipc/process_mutex.hpp>
#include <xipc/semaphore.hpp>

namespace {

namespace bip = boost::interprocess;

std::string bench_name(const char* what) { return std::string("xb") + std::to_string(::getpid()) + "." + what; }

void process_mutex_uncontended(benchmark::State& state) {
  const std::string name = bench_name("mutex");
  auto guard = xipc::process_mutex::create(name);
  for (auto _ : state) {
    if (guard.lock()) {
      state.SkipWithError("lock failed");
      break;
    }
    guard.unlock();
  }
  xipc::process_mutex::remove(name);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void boost_named_mutex_uncontended(benchmark::State& state) {
  const std::string name = bench_name("boost.mutex");
  bip::named_mutex::remove(name.c_str());
  bip::named_mutex guard(bip::create_only, name.c_str());
  for (auto _ : state) {
    guard.lock();
    guard.unlock();
  }
  bip::named_mutex::remove(name.c_str());
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

// The floor: a process-local mutex, which needs no shared memory and no owner.
void std_mutex_uncontended(benchmark::State& state) {
  std::mutex guard;
  for (auto _ : state) {
    guard.lock();
    guard.unlock();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void semaphore_post_wait(benchmark::State& state) {
  const std::string name = bench_name("semaphore");
  auto count = xipc::semaphore::create(name, 0);
  for (auto _ : state) {
    if (count.post() || count.wait()) {
      state.SkipWithError("post or wait failed");
      break;
    }
  }
  xipc::semaphore::remove(name);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void boost_named_semaphore_post_wait(benchmark::State& state) {
  const std::string name = bench_name("boost.semaphore");
  bip::named_semaphore::remove(name.c_str());
  bip::named_semaphore count(bip::create_only, name.c_str(), 0);
  for (auto _ : state) {
    count.post();
    count.wait();
  }
  bip::named_semaphore::remove(name.c_str());
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

}  // namespace

BENCHMARK(process_mutex_uncontended)->Name("process_mutex/uncontended");
BENCHMARK(boost_named_mutex_uncontended)->Name("boost_named_mutex/uncontended");
BENCHMARK(std_mutex_uncontended)->Name("std_mutex/uncontended");
BENCHMARK(semaphore_post_wait)->Name("semaphore/post_wait");
BENCHMARK(boost_named_semaphore_post_wait)->Name("boost_named_semaphore/post_wait");
