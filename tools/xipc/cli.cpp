#include "cli.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <ctime>

#include <xipc/error.hpp>

#if defined(_WIN32)
#include <io.h>
#define xipc_isatty _isatty
#define xipc_fileno _fileno
#else
#include <unistd.h>
#define xipc_isatty isatty
#define xipc_fileno fileno
#endif

namespace xipc::cli {

bool colour_on(std::FILE* stream) {
  const char* no_colour = std::getenv("NO_COLOR");
  return (no_colour == nullptr || *no_colour == '\0') && xipc_isatty(xipc_fileno(stream)) != 0;
}

std::string paint(std::FILE* stream, std::string_view text, int ansi_colour) {
  if (!colour_on(stream)) return std::string(text);
  return fmt::format("\x1b[{}m{}\x1b[0m", ansi_colour, text);
}

void complain(std::string_view command, std::string_view message) {
  std::fputs(fmt::format("xipc {}: {}\n", command, message).c_str(), stderr);
}

std::optional<std::chrono::nanoseconds> parse_duration(std::string_view text) {
  if (text == "forever") return std::chrono::nanoseconds::max();
  const std::string copy(text);
  char* end = nullptr;
  const double number = std::strtod(copy.c_str(), &end);
  if (end == copy.c_str() || !(number >= 0) || number > 1e9) return std::nullopt;
  const std::string_view unit(end);
  double seconds = 0;
  if (unit.empty() || unit == "s") {
    seconds = number;
  } else if (unit == "ms") {
    seconds = number / 1e3;
  } else if (unit == "us") {
    seconds = number / 1e6;
  } else if (unit == "m") {
    seconds = number * 60;
  } else {
    return std::nullopt;
  }
  return std::chrono::nanoseconds(static_cast<std::int64_t>(seconds * 1e9));
}

std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string when(std::int64_t seconds) {
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm parts{};
#if defined(_WIN32)
  gmtime_s(&parts, &t);
#else
  gmtime_r(&t, &parts);
#endif
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

std::string report_json(const detail::object_report& r) {
  std::string out = fmt::format("{{\"kind\": {}, \"name\": {}, \"location\": {}", json_string(r.kind),
                                json_string(r.name), json_string(r.location));
  out += fmt::format(", \"bytes\": {}", r.bytes ? std::to_string(*r.bytes) : "null");
  out += fmt::format(", \"uid\": {}", r.uid ? std::to_string(*r.uid) : "null");
  out += fmt::format(", \"mode\": {}", r.mode ? json_string(fmt::format("{:04o}", *r.mode)) : "null");
  out += fmt::format(", \"changed\": {}", r.changed ? json_string(when(*r.changed)) : "null");
  out += fmt::format(", \"state\": {}",
                     json_string(!r.problem.empty() ? "damaged" : !r.stale.empty() ? "stale" : "ok"));
  out += ", \"facts\": {";
  for (std::size_t i = 0; i < r.facts.size(); ++i) {
    out += fmt::format("{}{}: {}", i ? ", " : "", json_string(r.facts[i].first), json_string(r.facts[i].second));
  }
  out += "}, \"processes\": [";
  for (std::size_t i = 0; i < r.processes.size(); ++i) {
    const auto& p = r.processes[i];
    out += fmt::format("{}{{\"role\": {}, \"pid\": {}, \"alive\": {}}}", i ? ", " : "", json_string(p.role), p.pid,
                       p.alive ? "true" : "false");
  }
  out += fmt::format("], \"problem\": {}, \"stale\": {}}}", r.problem.empty() ? "null" : json_string(r.problem),
                     r.stale.empty() ? "null" : json_string(r.stale));
  return out;
}

std::vector<detail::object_report> resolve(std::string_view argument, std::string& why) {
  std::string_view kind_label;
  std::string_view name = argument;
  if (const std::size_t colon = argument.find(':'); colon != std::string_view::npos) {
    kind_label = argument.substr(0, colon);
    name = argument.substr(colon + 1);
    if (detail::find_object_kind(kind_label) == nullptr) {
      std::string kinds;
      for (const auto& kind : detail::object_kinds()) kinds += fmt::format("{}{}", kinds.empty() ? "" : ", ", kind.label);
      why = fmt::format("no kind \"{}\" in \"{}\"; kinds: {}", kind_label, argument, kinds);
      return {};
    }
  }
  std::string reason;
  if (validate_name(name, &reason)) {
    why = fmt::format("\"{}\" is no xipc name: {}", name, reason);
    return {};
  }
  // What the OS says about the file or key, where it can list them.
  detail::failure unlisted;
  const std::vector<detail::object_report> listed = detail::list_objects(true, unlisted);
  std::vector<detail::object_report> found;
  for (const auto& kind : detail::object_kinds()) {
    if (!kind_label.empty() && kind.label != kind_label) continue;
    detail::object_report report = detail::report_of(kind.label, name);
    for (const auto& seen : listed) {
      if (seen.kind == report.kind && seen.name == report.name) report = seen;
    }
    if (detail::inspect_object(report) == errc::not_found) continue;
    found.push_back(std::move(report));
  }
  return found;
}

}  // namespace xipc::cli
