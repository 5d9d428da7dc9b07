// What the subcommands of the xipc tool share: exit codes, output, arguments.
// Thread safety: the tool is single-threaded; nothing here is shared.
#pragma once

#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "survey/object_survey.hpp"

namespace xipc::cli {

// Exit codes, the same for every subcommand (docs/cli.md, xipc.1).
enum exit_code : int {
  exit_ok = 0,
  exit_failed = 1,     // the operation failed: the message says why
  exit_usage = 2,      // bad arguments
  exit_not_found = 3,  // no such object
  exit_timed_out = 4,  // send or recv: the deadline passed
  exit_damaged = 5,    // inspect or ls: an object failed its checks
};

// Whether to colour: only on a terminal, and never with NO_COLOR set.
bool colour_on(std::FILE* stream);
std::string paint(std::FILE* stream, std::string_view text, int ansi_colour);

// "xipc rm: ..." on stderr.
void complain(std::string_view command, std::string_view message);

// A duration: "250ms", "2s", "1m", "1.5s", or plain seconds; "forever" too.
std::optional<std::chrono::nanoseconds> parse_duration(std::string_view text);

std::string json_string(std::string_view text);
std::string report_json(const detail::object_report& report);
std::string when(std::int64_t seconds);

// The objects named by NAME or KIND:NAME, inspected; `why` says what was
// wrong with the argument when nothing can match it.
std::vector<detail::object_report> resolve(std::string_view argument, std::string& why);

int run_bench(const std::vector<std::string>& arguments, const char* self);

}  // namespace xipc::cli
