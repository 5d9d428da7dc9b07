// Whether this OS makes Unix-domain sockets: Linux always; Windows 10 and
// later has AF_UNIX streams (datagrams only in recent builds), Wine 8 none.
// Tests of them skip, with this reason, where they cannot run.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <xipc/detail/config.hpp>
#include <xipc/sockets.hpp>

#include "support/object_names.hpp"

namespace xipc::test {

// Why this OS cannot make a Unix-domain socket like `Socket` (local_stream or
// local_datagram), or "" when it can. POSIX always can: there a failure is a
// failure of the test, never a skip. On Windows only the library's own
// "this OS makes no ... sockets" error skips; any other error lets the tests
// run and fail.
template <class Socket>
const std::string& local_sockets_missing() {
  static const std::string why = [] {
    if (!XIPC_OS_WINDOWS) return std::string();
    const auto where = xipc::endpoint::local(
        (std::filesystem::temp_directory_path() / (unique_name("probe") + ".sock")).string());
    try {
      if constexpr (std::is_same_v<Socket, xipc::local_datagram>) {
        static_cast<void>(xipc::local_datagram::bind(where));
      } else {
        static_cast<void>(xipc::local_listener::listen(where));
      }
    } catch (const std::system_error& error) {
      if (std::string_view(error.what()).find("this OS makes no") != std::string_view::npos) return std::string(error.what());
    }
    return std::string();
  }();
  return why;
}

// Why a conformance transport cannot run on this OS: its missing(), or "" when it has none.
template <class Transport>
std::string transport_missing() {
  if constexpr (requires { Transport::missing(); }) {
    return Transport::missing();
  } else {
    return {};
  }
}

}  // namespace xipc::test
