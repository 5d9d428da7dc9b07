// xipc bench: the quick benchmark report, run through xipc-bench one
// benchmark at a time so that a terminal shows progress.
#include <fmt/format.h>

#include <cstdio>
#include <iostream>
#include <sstream>

#include "cli.hpp"

#if defined(_WIN32)
#define xipc_popen _popen
#define xipc_pclose _pclose
#define xipc_no_errors " 2>NUL"
#else
#define xipc_no_errors " 2>/dev/null"
#define xipc_popen popen
#define xipc_pclose pclose
#endif

namespace xipc::cli {
namespace {

// The transports a reader compares first, each next to its baseline: the same
// set as `bash scripts/bench-report.sh --quick`.
constexpr std::string_view quick_filter =
    "^(floor/rtt/64|memcpy/throughput/(64|4096)"
    "|(ring|ring_block|mailbox_shm|mailbox_posix_mq|pipe|raw_pipe|local_stream|raw_local_stream|tcp|raw_tcp|"
    "local_dgram|udp|boost_mq)/rtt/(64|4096)"
    "|(ring_block|mailbox_shm|pipe|local_stream)/rtt_idle/64"
    "|(ring|ring_batch|mailbox_shm|pipe|local_stream|tcp|boost_mq)/throughput/(64|4096))(/.*)?$";

// Runs `command` and collects its standard output; its standard error (the
// machine context xipc-bench prints) is dropped.
bool run_lines(const std::string& command, std::vector<std::string>& lines) {
  std::FILE* pipe = xipc_popen((command + xipc_no_errors).c_str(), "r");
  if (pipe == nullptr) return false;
  std::string line;
  char chunk[4096];
  while (std::fgets(chunk, sizeof chunk, pipe) != nullptr) {
    line += chunk;
    if (!line.empty() && line.back() == '\n') {
      line.pop_back();
      lines.push_back(std::move(line));
      line.clear();
    }
  }
  if (!line.empty()) lines.push_back(std::move(line));
  return xipc_pclose(pipe) == 0;
}

std::string quoted(const std::string& text) { return "\"" + text + "\""; }

std::string regex_escaped(std::string_view name) {
  std::string out;
  for (const char c : name) {
    if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

std::vector<std::string> csv_fields(const std::string& line) {
  std::vector<std::string> fields;
  std::string field;
  bool in_quotes = false;
  for (const char c : line) {
    if (c == '"') {
      in_quotes = !in_quotes;
    } else if (c == ',' && !in_quotes) {
      fields.push_back(std::move(field));
      field.clear();
    } else {
      field += c;
    }
  }
  fields.push_back(std::move(field));
  return fields;
}

std::string find_bench(const char* self) {
  const std::string path(self);
  const std::size_t slash = path.find_last_of("/\\");
  if (slash == std::string::npos) return "xipc-bench";
  const std::string dir = path.substr(0, slash);
  for (const std::string& candidate : {dir + "/xipc-bench", dir + "/../../bench/xipc-bench", dir + "/../bench/xipc-bench"}) {
    if (std::FILE* f = std::fopen(candidate.c_str(), "rb")) {
      std::fclose(f);
      return candidate;
    }
  }
  return "xipc-bench";
}

void progress(std::size_t done, std::size_t total, std::string_view current) {
  if (!colour_on(stderr)) return;
  constexpr std::size_t width = 30;
  const std::size_t filled = total == 0 ? width : done * width / total;
  std::fputs(fmt::format("\r\x1b[K[{}{}] {}/{} {}", std::string(filled, '#'), std::string(width - filled, '.'), done,
                         total, current)
                 .c_str(),
             stderr);
  if (done == total) std::fputs("\r\x1b[K", stderr);
  std::fflush(stderr);
}

}  // namespace

int run_bench(const std::vector<std::string>& arguments, const char* self) {
  const std::string bench = find_bench(self);
  std::string extra;
  for (const auto& argument : arguments) extra += " " + quoted(argument);
  std::vector<std::string> names;
  if (!run_lines(fmt::format("{} --benchmark_list_tests --benchmark_filter={}{}", quoted(bench),
                             quoted(std::string(quick_filter)), extra),
                 names) ||
      names.empty()) {
    complain("bench", fmt::format("could not list the benchmarks of {} (is xipc-bench built and on PATH?)", bench));
    return exit_failed;
  }
  std::cout << fmt::format("{:<56} {:>14} {:>14}  {}\n", "BENCHMARK", "TIME", "RATE", "NOTE");
  int status = exit_ok;
  for (std::size_t i = 0; i < names.size(); ++i) {
    progress(i, names.size(), names[i]);
    std::vector<std::string> lines;
    const bool ran = run_lines(fmt::format("{} --benchmark_filter={} --benchmark_min_time=0.05 --benchmark_format=csv{}",
                                           quoted(bench), quoted("^" + regex_escaped(names[i]) + "$"), extra),
                               lines);
    std::string time = "-", rate = "-", note = ran ? "" : "failed";
    for (const auto& line : lines) {
      const auto fields = csv_fields(line);
      // name,iterations,real_time,cpu_time,time_unit,bytes_per_second,items_per_second,label,error_occurred,error_message
      if (fields.size() < 10 || fields[0] != names[i]) continue;
      time = fmt::format("{} {}", fields[2], fields[4]);
      if (!fields[5].empty()) {
        rate = fmt::format("{:.1f} MB/s", std::stod(fields[5]) / 1e6);
      } else if (!fields[6].empty()) {
        rate = fmt::format("{:.3g} /s", std::stod(fields[6]));
      }
      if (fields[8] == "true") note = "skipped: " + fields[9];
    }
    progress(i + 1, names.size(), "");
    std::cout << fmt::format("{:<56} {:>14} {:>14}  {}\n", names[i], time, rate, note) << std::flush;
    if (!ran) status = exit_failed;
  }
  return status;
}

}  // namespace xipc::cli
