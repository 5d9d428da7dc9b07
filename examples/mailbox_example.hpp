// What the mailbox example pair shares: the messages and their priorities.
#pragma once

#include <xipc/mailbox.hpp>

#include <array>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace example {

// In order of sending; the receiver gets them by priority. "quit" has the
// lowest priority, so it comes out last.
inline constexpr std::array<std::pair<std::string_view, unsigned>, 6> messages{{
    {"routine: nightly report ready", 1},
    {"URGENT: disk almost full", 30},
    {"routine: 3 new users", 1},
    {"warning: slow replica", 10},
    {"URGENT: replica down", 30},
    {"quit", 0},
}};

inline xipc::mailbox_backend parse_backend(std::string_view text) {
  for (const auto backend : {xipc::mailbox_backend::shm, xipc::mailbox_backend::posix_mq, xipc::mailbox_backend::sysv}) {
    if (text == xipc::to_string(backend)) return backend;
  }
  throw std::invalid_argument("unknown backend \"" + std::string(text) + "\": use shm, posix_mq or sysv");
}

}  // namespace example
