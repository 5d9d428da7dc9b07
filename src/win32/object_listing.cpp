// Where the xipc objects of Windows are found (survey/object_survey.hpp):
// sections and pipes live in the session's object namespace, which xipc does
// not list; everything else works by name.
#include <fmt/format.h>

#include "survey/object_survey.hpp"

namespace xipc::detail {

std::vector<object_report> list_objects(bool, failure& why) {
  why = {std::make_error_code(std::errc::not_supported), {},
         "xipc cannot list the session's object namespace on Windows yet; inspect, rm, send and recv work by name"};
  return {};
}

std::string rendezvous_location(name_kind kind, std::string_view name, failure&) {
  return os_name(kind, name, target_os::windows);
}

std::optional<bool> rendezvous_listening(const std::string&) { return std::nullopt; }

bool remove_rendezvous(name_kind kind, std::string_view name, failure& why) {
  why = refuse(errc::invalid_argument,
               fmt::format("a Windows named pipe ({}) exists only while its server runs; stop the server to remove it",
                           os_name(kind, name, target_os::windows)));
  return false;
}

}  // namespace xipc::detail
