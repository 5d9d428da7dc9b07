// What it costs to create, map, touch and remove a shared-memory region:
// raw POSIX calls, xipc::shared_memory, and Boost.Interprocess, side by side.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <boost/interprocess/mapped_region.hpp>
#include <boost/interprocess/shared_memory_object.hpp>
#include <cstring>
#include <string>
#include <xipc/shared_memory.hpp>

namespace {

std::string bench_name(const char* what) { return std::string("xb") + std::to_string(::getpid()) + "." + what; }

void raw_shm_setup(benchmark::State& state) {
  const auto bytes = static_cast<std::size_t>(state.range(0));
  // Built with append: GCC 12 at -O3 warns falsely (-Wrestrict, its bug 105329) on "literal" + std::string&&.
  std::string path = "/";
  path += bench_name("raw");
  for (auto _ : state) {
    const int fd = ::shm_open(path.c_str(), O_CREAT | O_EXCL | O_RDWR, 0600);
    if (fd < 0 || ::ftruncate(fd, static_cast<off_t>(bytes)) != 0) {
      state.SkipWithError("shm_open or ftruncate failed");
      break;
    }
    void* data = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    std::memset(data, 1, bytes);
    ::munmap(data, bytes);
    ::close(fd);
    ::shm_unlink(path.c_str());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}

void xipc_shm_setup(benchmark::State& state) {
  const auto bytes = static_cast<std::size_t>(state.range(0));
  const std::string name = bench_name("xipc");
  for (auto _ : state) {
    auto region = xipc::shared_memory::create(name, bytes);
    std::memset(region.data(), 1, bytes);
    xipc::shared_memory::remove(name);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}

void boost_shm_setup(benchmark::State& state) {
  namespace bip = boost::interprocess;
  const auto bytes = static_cast<std::size_t>(state.range(0));
  const std::string name = bench_name("boost");
  for (auto _ : state) {
    bip::shared_memory_object object(bip::create_only, name.c_str(), bip::read_write);
    object.truncate(static_cast<bip::offset_t>(bytes));
    bip::mapped_region region(object, bip::read_write);
    std::memset(region.get_address(), 1, bytes);
    bip::shared_memory_object::remove(name.c_str());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}

}  // namespace

BENCHMARK(raw_shm_setup)->Name("raw_shm/setup")->Arg(4096)->Arg(1 << 20);
BENCHMARK(xipc_shm_setup)->Name("shared_memory/setup")->Arg(4096)->Arg(1 << 20);
BENCHMARK(boost_shm_setup)->Name("boost_shm/setup")->Arg(4096)->Arg(1 << 20);
