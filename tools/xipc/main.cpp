// xipc: list, inspect, remove and clean up xipc objects, and send and
// receive from the shell (docs/cli.md). The kinds of objects it knows are
// the table in src/survey/object_kinds.cpp; nothing here names a kind.
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <iostream>
#include <iterator>
#include <map>
#include <functional>

#include <xipc/error.hpp>

#include "cli.hpp"

namespace xipc::cli {
namespace {

constexpr std::string_view version = "0.1.0";

constexpr std::string_view main_help = R"(usage: xipc COMMAND [OPTIONS] [ARGS]

Lists, inspects and removes xipc objects, and sends and receives from the shell.

commands:
  ls       list the xipc objects of this user (--all: every user's the OS shows)
  inspect  show the checked header of objects by name
  rm       remove objects by name
  gc       remove the leftovers of crashed processes
  send     send one message to a ring, mailbox, named pipe or semaphore
  recv     receive messages from a ring, mailbox, named pipe or semaphore
  bench    run the quick benchmark report of xipc-bench

A NAME may be given as KIND:NAME (ring:jobs) when objects of several kinds
share it. Kinds: )";

constexpr std::string_view exit_help = R"(
exit status: 0 done, 1 failed, 2 bad arguments, 3 no such object,
4 timed out, 5 an object failed its checks.
)";

struct command {
  std::string_view usage;
  std::string_view help;
  int (*run)(const std::vector<std::string>& args);
};

std::string kinds_list() {
  std::string out;
  for (const auto& kind : detail::object_kinds()) out += fmt::format("{}{}", out.empty() ? "" : ", ", kind.label);
  return out;
}

// Splits options from operands: "--flag", "--key value" / "--key=value".
struct parsed_args {
  std::map<std::string, std::string, std::less<>> options;
  std::vector<std::string> operands;
  bool has(std::string_view key) const { return options.find(key) != options.end(); }
};

bool parse(const std::vector<std::string>& args, std::initializer_list<std::string_view> flags,
           std::initializer_list<std::string_view> valued, std::string_view command, parsed_args& out) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      out.operands.insert(out.operands.end(), args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
      break;
    }
    if (arg.size() < 3 || arg.compare(0, 2, "--") != 0) {
      out.operands.push_back(arg);
      continue;
    }
    std::string key = arg.substr(2);
    std::string value;
    const std::size_t equals = key.find('=');
    if (equals != std::string::npos) {
      value = key.substr(equals + 1);
      key.resize(equals);
    }
    if (std::find(flags.begin(), flags.end(), key) != flags.end() && equals == std::string::npos) {
      out.options[key] = "";
    } else if (std::find(valued.begin(), valued.end(), key) != valued.end()) {
      if (equals == std::string::npos) {
        if (i + 1 >= args.size()) {
          complain(command, fmt::format("--{} needs a value", key));
          return false;
        }
        value = args[++i];
      }
      out.options[key] = value;
    } else {
      complain(command, fmt::format("unknown option {} (xipc {} --help lists them)", arg, command));
      return false;
    }
  }
  return true;
}

bool wants_help(const std::vector<std::string>& args) {
  return std::any_of(args.begin(), args.end(), [](const std::string& a) { return a == "--help" || a == "-h"; });
}

// ---- ls ---------------------------------------------------------------------------

std::string state_of(const detail::object_report& report) {
  if (!report.problem.empty()) return "damaged";
  if (!report.stale.empty()) return "stale";
  return "ok";
}

std::string size_text(const std::optional<std::uint64_t>& bytes) {
  if (!bytes) return "-";
  if (*bytes >= (std::uint64_t{1} << 20) && *bytes % 1024 == 0) return fmt::format("{}K", *bytes / 1024);
  return std::to_string(*bytes);
}

std::string processes_text(const detail::object_report& report) {
  std::string out;
  for (const auto& p : report.processes) {
    out += fmt::format("{}{} {} ({})", out.empty() ? "" : ", ", p.role, p.pid, p.alive ? "alive" : "dead");
  }
  return out;
}

std::string facts_text(const detail::object_report& report) {
  std::string out;
  for (const auto& [key, value] : report.facts) out += fmt::format("{}{}={}", out.empty() ? "" : " ", key, value);
  return out;
}

void print_table(const std::vector<detail::object_report>& reports) {
  std::cout << fmt::format("{:<18} {:<28} {:>9} {:>5} {:>6} {:<19} {:<7} {}\n", "KIND", "NAME", "BYTES", "MODE",
                           "UID", "CHANGED", "STATE", "DETAILS");
  for (const auto& r : reports) {
    const std::string state = state_of(r);
    const int colour = state == "ok" ? 32 : state == "stale" ? 33 : 31;
    std::string details = facts_text(r);
    if (const std::string p = processes_text(r); !p.empty()) details += (details.empty() ? "" : "; ") + p;
    if (!r.problem.empty()) details += (details.empty() ? "" : "; ") + r.problem;
    if (!r.stale.empty()) details += (details.empty() ? "" : "; ") + r.stale;
    std::cout << fmt::format("{:<18} {:<28} {:>9} {:>5} {:>6} {:<19} ", r.kind, r.name, size_text(r.bytes),
                             r.mode ? fmt::format("{:04o}", *r.mode) : "-", r.uid ? std::to_string(*r.uid) : "-",
                             r.changed ? when(*r.changed) : "-")
              << paint(stdout, fmt::format("{:<7}", state), colour) << " " << details << "\n";
  }
}

void print_json(const std::vector<detail::object_report>& reports) {
  std::cout << "[";
  for (std::size_t i = 0; i < reports.size(); ++i) std::cout << (i ? ",\n " : "\n ") << report_json(reports[i]);
  std::cout << (reports.empty() ? "]\n" : "\n]\n");
}

// Every object the OS shows, inspected; `failed` is set when listing is impossible.
std::vector<detail::object_report> survey(bool all_users, std::string_view command, bool& failed) {
  detail::failure why;
  std::vector<detail::object_report> reports = detail::list_objects(all_users, why);
  failed = static_cast<bool>(why);
  if (failed) {
    complain(command, why.detail);
    return {};
  }
  for (auto& report : reports) (void)detail::inspect_object(report);
  std::sort(reports.begin(), reports.end(),
            [](const auto& a, const auto& b) { return std::tie(a.kind, a.name) < std::tie(b.kind, b.name); });
  return reports;
}

int run_ls(const std::vector<std::string>& args) {
  parsed_args p;
  if (!parse(args, {"json", "all"}, {"kind"}, "ls", p)) return exit_usage;
  if (!p.operands.empty()) {
    complain("ls", fmt::format("takes no operands, got \"{}\"", p.operands.front()));
    return exit_usage;
  }
  if (p.has("kind") && detail::find_object_kind(p.options["kind"]) == nullptr) {
    complain("ls", fmt::format("no kind \"{}\"; kinds: {}", p.options["kind"], kinds_list()));
    return exit_usage;
  }
  bool failed = false;
  std::vector<detail::object_report> reports = survey(p.has("all"), "ls", failed);
  if (failed) return exit_failed;
  if (p.has("kind")) {
    std::erase_if(reports, [&](const auto& r) { return r.kind != p.options["kind"]; });
  }
  if (p.has("json")) {
    print_json(reports);
  } else {
    print_table(reports);
  }
  return exit_ok;
}

// ---- inspect ----------------------------------------------------------------------

int run_inspect(const std::vector<std::string>& args) {
  parsed_args p;
  if (!parse(args, {"json"}, {}, "inspect", p)) return exit_usage;
  if (p.operands.empty()) {
    complain("inspect", "names no object (xipc inspect NAME|KIND:NAME ...)");
    return exit_usage;
  }
  int status = exit_ok;
  std::vector<detail::object_report> all;
  for (const std::string& argument : p.operands) {
    std::string why;
    std::vector<detail::object_report> found = resolve(argument, why);
    if (!why.empty()) {
      complain("inspect", why);
      status = std::max(status, static_cast<int>(exit_usage));
      continue;
    }
    if (found.empty()) {
      complain("inspect", fmt::format("no object named \"{}\"", argument));
      if (status == exit_ok) status = exit_not_found;
      continue;
    }
    for (auto& report : found) {
      if (!report.problem.empty()) status = std::max(status, static_cast<int>(exit_damaged));
      all.push_back(std::move(report));
    }
  }
  if (p.has("json")) {
    print_json(all);
    return status;
  }
  for (const auto& r : all) {
    std::cout << fmt::format("{} {}\n", r.kind, r.name);
    if (!r.location.empty()) std::cout << fmt::format("  location: {}\n", r.location);
    if (r.bytes) std::cout << fmt::format("  bytes: {}\n", *r.bytes);
    if (r.uid) std::cout << fmt::format("  owner uid: {}\n", *r.uid);
    if (r.mode) std::cout << fmt::format("  mode: {:04o}\n", *r.mode);
    if (r.changed) std::cout << fmt::format("  changed: {}\n", when(*r.changed));
    for (const auto& [key, value] : r.facts) std::cout << fmt::format("  {}: {}\n", key, value);
    for (const auto& proc : r.processes) {
      std::cout << fmt::format("  {}: process {} ({})\n", proc.role, proc.pid, proc.alive ? "alive" : "dead");
    }
    if (!r.problem.empty()) std::cout << "  " << paint(stdout, "damaged: " + r.problem, 31) << "\n";
    if (!r.stale.empty()) std::cout << "  " << paint(stdout, "stale: " + r.stale, 33) << "\n";
    if (r.problem.empty()) std::cout << "  " << paint(stdout, "checks: passed", 32) << "\n";
  }
  return status;
}

// ---- rm and gc ----------------------------------------------------------------------

bool remove_one(const detail::object_report& report, std::string_view command) {
  const detail::object_kind_entry* kind = detail::find_object_kind(report.kind);
  detail::failure why;
  const bool removed = kind->remove(report.name, why);
  if (why) {
    complain(command, fmt::format("{} \"{}\": {}", report.kind, report.name,
                                  why.call.empty() ? why.detail : fmt::format("{} failed: {}", why.call, why.detail)));
    return false;
  }
  if (!removed) {
    complain(command, fmt::format("{} \"{}\" was already gone", report.kind, report.name));
    return false;
  }
  return true;
}

int run_rm(const std::vector<std::string>& args) {
  parsed_args p;
  if (!parse(args, {}, {}, "rm", p)) return exit_usage;
  if (p.operands.empty()) {
    complain("rm", "names no object (xipc rm NAME|KIND:NAME ...)");
    return exit_usage;
  }
  int status = exit_ok;
  for (const std::string& argument : p.operands) {
    std::string why;
    const std::vector<detail::object_report> found = resolve(argument, why);
    if (!why.empty()) {
      complain("rm", why);
      status = std::max(status, static_cast<int>(exit_usage));
    } else if (found.empty()) {
      complain("rm", fmt::format("no object named \"{}\"", argument));
      if (status == exit_ok) status = exit_not_found;
    } else if (found.size() > 1) {
      std::string kinds;
      for (const auto& r : found) kinds += fmt::format("{}{}:{}", kinds.empty() ? "" : ", ", r.kind, r.name);
      complain("rm", fmt::format("\"{}\" names {} objects ({}); say which as KIND:NAME", argument, found.size(), kinds));
      status = std::max(status, static_cast<int>(exit_usage));
    } else if (!remove_one(found.front(), "rm")) {
      status = std::max(status, static_cast<int>(exit_failed));
    }
  }
  return status;
}

int run_gc(const std::vector<std::string>& args) {
  parsed_args p;
  if (!parse(args, {"dry-run", "json"}, {}, "gc", p)) return exit_usage;
  bool failed = false;
  std::vector<detail::object_report> reports = survey(false, "gc", failed);
  if (failed) return exit_failed;
  // Named operands narrow it to those objects: NAME or KIND:NAME.
  const auto named = [&](const detail::object_report& r) {
    return p.operands.empty() || std::any_of(p.operands.begin(), p.operands.end(), [&](const std::string& o) {
             return o == r.name || o == r.kind + ":" + r.name;
           });
  };
  std::erase_if(reports, [&](const auto& r) { return r.stale.empty() || !named(r); });
  int status = exit_ok;
  if (p.has("json")) {
    if (!p.has("dry-run")) {
      for (const auto& r : reports) {
        if (!remove_one(r, "gc")) status = exit_failed;
      }
    }
    print_json(reports);
    return status;
  }
  for (const auto& r : reports) {
    if (p.has("dry-run")) {
      std::cout << fmt::format("would remove {} {}: {}\n", r.kind, r.name, r.stale);
    } else if (remove_one(r, "gc")) {
      std::cout << fmt::format("removed {} {}: {}\n", r.kind, r.name, r.stale);
    } else {
      status = exit_failed;
    }
  }
  return status;
}

// ---- send and recv ----------------------------------------------------------------

// The one object of a kind that carries messages named by `argument`.
const detail::object_kind_entry* messaging_kind(const std::string& argument, std::string_view command,
                                                std::string& name, int& status) {
  std::string why;
  std::vector<detail::object_report> found = resolve(argument, why);
  std::erase_if(found, [](const auto& r) { return detail::find_object_kind(r.kind)->send == nullptr; });
  if (!why.empty()) {
    complain(command, why);
    status = exit_usage;
    return nullptr;
  }
  if (found.empty()) {
    complain(command, fmt::format("no ring, mailbox, named pipe or semaphore named \"{}\"", argument));
    status = exit_not_found;
    return nullptr;
  }
  if (found.size() > 1) {
    complain(command, fmt::format("\"{}\" names a {} and a {}; say which as KIND:NAME", argument, found[0].kind,
                                  found[1].kind));
    status = exit_usage;
    return nullptr;
  }
  name = found.front().name;
  return detail::find_object_kind(found.front().kind);
}

int status_of(const std::error_code& ec) {
  if (!ec) return exit_ok;
  if (ec == errc::timed_out || ec == errc::would_block) return exit_timed_out;
  if (ec == errc::not_found) return exit_not_found;
  return exit_failed;
}

bool timeout_option(parsed_args& p, std::string_view command, deadline& until) {
  if (!p.has("timeout")) return true;
  const auto timeout = parse_duration(p.options["timeout"]);
  if (!timeout) {
    complain(command, fmt::format("--timeout \"{}\" is no duration (250ms, 2s, 1m, forever)", p.options["timeout"]));
    return false;
  }
  until = *timeout == std::chrono::nanoseconds::max() ? deadline::forever() : deadline::after(*timeout);
  return true;
}

int run_send(const std::vector<std::string>& args) {
  parsed_args p;
  if (!parse(args, {}, {"priority", "timeout"}, "send", p)) return exit_usage;
  if (p.operands.size() != 2) {
    complain("send", "takes a NAME and a MESSAGE (\"-\" reads it from standard input)");
    return exit_usage;
  }
  detail::message_options options;
  if (!timeout_option(p, "send", options.until)) return exit_usage;
  if (p.has("priority")) {
    char* end = nullptr;
    const unsigned long priority = std::strtoul(p.options["priority"].c_str(), &end, 10);
    if (p.options["priority"].empty() || *end != '\0' || priority > 31) {
      complain("send", fmt::format("--priority \"{}\" must be a number from 0 to 31", p.options["priority"]));
      return exit_usage;
    }
    options.priority = static_cast<unsigned>(priority);
  }
  std::string message = p.operands[1];
  if (message == "-") message.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  int status = exit_ok;
  std::string name;
  const detail::object_kind_entry* kind = messaging_kind(p.operands[0], "send", name, status);
  if (kind == nullptr) return status;
  detail::failure why;
  const std::error_code ec = kind->send(name, std::as_bytes(std::span(message)), options, why);
  if (ec) {
    complain("send", fmt::format("{} \"{}\": {}", kind->label, name, why ? why.detail : ec.message()));
  }
  return status_of(ec);
}

int run_recv(const std::vector<std::string>& args) {
  parsed_args p;
  if (!parse(args, {"raw"}, {"count", "timeout"}, "recv", p)) return exit_usage;
  if (p.operands.size() != 1) {
    complain("recv", "takes one NAME");
    return exit_usage;
  }
  detail::message_options options;
  if (!timeout_option(p, "recv", options.until)) return exit_usage;
  unsigned long count = 1;
  if (p.has("count")) {
    char* end = nullptr;
    count = std::strtoul(p.options["count"].c_str(), &end, 10);
    if (p.options["count"].empty() || *end != '\0' || count == 0) {
      complain("recv", fmt::format("--count \"{}\" must be a positive number", p.options["count"]));
      return exit_usage;
    }
  }
  int status = exit_ok;
  std::string name;
  const detail::object_kind_entry* kind = messaging_kind(p.operands[0], "recv", name, status);
  if (kind == nullptr) return status;
  for (unsigned long i = 0; i < count; ++i) {
    std::vector<std::byte> message;
    detail::failure why;
    const std::error_code ec = kind->receive(name, message, options, why);
    if (ec) {
      complain("recv", fmt::format("{} \"{}\": {}", kind->label, name, why ? why.detail : ec.message()));
      return status_of(ec);
    }
    std::cout.write(reinterpret_cast<const char*>(message.data()), static_cast<std::streamsize>(message.size()));
    if (!p.has("raw")) std::cout << '\n';
    std::cout.flush();
  }
  return exit_ok;
}

int run_bench_command(const std::vector<std::string>& args);

const std::map<std::string_view, command>& commands() {
  static const std::map<std::string_view, command> table{
      {"ls",
       {"xipc ls [--json] [--all] [--kind KIND]",
        "Lists the xipc objects of this user: kind, name, size, mode, owner, last change, state\n"
        "(ok, stale: a crash's leftover that gc removes, damaged: failed its checks) and what\n"
        "its header says (fill level, capacity, attached processes and whether they live).\n"
        "--all also lists other users' objects where the OS shows them.",
        run_ls}},
      {"inspect",
       {"xipc inspect [--json] NAME|KIND:NAME ...",
        "Shows the checked header of each object so named. A damaged object is described, never trusted.",
        run_inspect}},
      {"rm", {"xipc rm NAME|KIND:NAME ...", "Removes each object so named (System V segments and kernel queues too).", run_rm}},
      {"gc",
       {"xipc gc [--dry-run] [--json] [NAME|KIND:NAME ...]",
        "Removes this user's objects whose processes have all ended without cleaning up: rings\n"
        "whose attached ends died, owned mailboxes whose owner ended, socket files no server\n"
        "listens on. Names narrow it to those objects. --dry-run only says what it would remove.",
        run_gc}},
      {"send",
       {"xipc send [--priority N] [--timeout T] NAME MESSAGE|-",
        "Sends MESSAGE (or all of standard input, for -) as one message to a ring, mailbox or\n"
        "named pipe; to a semaphore, posts once. T: 250ms, 2s, 1m or forever (the default).",
        run_send}},
      {"recv",
       {"xipc recv [--count N] [--timeout T] [--raw] NAME",
        "Receives N messages (1 by default) and writes each to standard output, followed by a\n"
        "newline unless --raw; from a semaphore, waits N times.",
        run_recv}},
      {"bench",
       {"xipc bench [xipc-bench options]",
        "Runs the quick benchmark report: the headline transports next to their baselines,\n"
        "one benchmark at a time, with a progress bar on a terminal. Needs xipc-bench next\n"
        "to xipc or on PATH.",
        run_bench_command}},
  };
  return table;
}

const char* self_path = "xipc";

int run_bench_command(const std::vector<std::string>& args) { return run_bench(args, self_path); }

void print_main_help(std::FILE* to) {
  std::string text(main_help);
  text += kinds_list() + ".\n";
  text += exit_help;
  text += "\n`xipc COMMAND --help` describes one command; `man xipc` all of them.\n";
  std::fputs(text.c_str(), to);
}

}  // namespace
}  // namespace xipc::cli

int main(int argc, char** argv) {
  using namespace xipc::cli;
  self_path = argv[0];
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    print_main_help(stderr);
    return exit_usage;
  }
  if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    if (args.size() > 1) args = {args[1], "--help"};
    else {
      print_main_help(stdout);
      return exit_ok;
    }
  }
  if (args[0] == "--version") {
    std::cout << "xipc " << version << "\n";
    return exit_ok;
  }
  const auto& table = commands();
  const auto found = table.find(args[0]);
  if (found == table.end()) {
    complain(args[0], "no such command (xipc --help lists them)");
    return exit_usage;
  }
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (wants_help(rest)) {
    std::cout << "usage: " << found->second.usage << "\n\n" << found->second.help << "\n" << exit_help;
    return exit_ok;
  }
  try {
    return found->second.run(rest);
  } catch (const std::exception& e) {
    complain(args[0], e.what());
    return exit_failed;
  }
}
