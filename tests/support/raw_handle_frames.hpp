// Handle frames made by hand, for tests that play a peer breaking the rules
// send_handles keeps (POSIX: the descriptors go as SCM_RIGHTS).
#pragma once

#include <xipc/detail/config.hpp>

#if !XIPC_OS_WINDOWS
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <string_view>
#include <vector>

#include "net/handle_frame.hpp"
#include "posix/message_socket.hpp"

namespace xipc::test {

// A frame for `count` handles of `kind`, and `payload` bytes after it.
inline detail::handle_frame_header frame_for(std::size_t count, handle_kind kind, std::size_t payload) {
  detail::handle_frame_header header{detail::handle_frame_magic, detail::handle_frame_version,
                                     static_cast<std::uint16_t>(count), payload, {}};
  for (std::size_t i = 0; i < std::min(count, max_passed_handles); ++i) {
    header.entries[i] = {static_cast<std::uint8_t>(kind), 0, 0, 0};
  }
  return header;
}

// Sends `header` and `payload` with `fds` attached, as a hostile or broken peer could.
inline void send_raw(int socket, const detail::handle_frame_header& header, std::string_view payload,
                     const std::vector<int>& fds) {
  std::array<iovec, 2> parts{iovec{const_cast<detail::handle_frame_header*>(&header), sizeof header},
                             iovec{const_cast<char*>(payload.data()), payload.size()}};
  std::vector<char> control(CMSG_SPACE(sizeof(int) * fds.size()));
  msghdr message{};
  message.msg_iov = parts.data();
  message.msg_iovlen = static_cast<decltype(message.msg_iovlen)>(parts.size());
  if (!fds.empty()) {
    message.msg_control = control.data();
    message.msg_controllen = static_cast<decltype(message.msg_controllen)>(control.size());
    cmsghdr* attached = CMSG_FIRSTHDR(&message);
    attached->cmsg_level = SOL_SOCKET;
    attached->cmsg_type = SCM_RIGHTS;
    attached->cmsg_len = static_cast<decltype(attached->cmsg_len)>(CMSG_LEN(sizeof(int) * fds.size()));
    std::memcpy(CMSG_DATA(attached), fds.data(), sizeof(int) * fds.size());
  }
  ASSERT_GE(::sendmsg(socket, &message, 0), 0) << std::strerror(errno);
}

// The same as one message on a message-mode named pipe or a port's channel,
// in whatever form messages take there (posix/message_socket.hpp).
inline void send_raw_message(int socket, const detail::handle_frame_header& header, std::string_view payload,
                             const std::vector<int>& fds) {
  std::array<iovec, 2> parts{iovec{const_cast<detail::handle_frame_header*>(&header), sizeof header},
                             iovec{const_cast<char*>(payload.data()), payload.size()}};
  alignas(cmsghdr) std::array<std::byte, CMSG_SPACE(sizeof(int) * max_passed_handles)> control{};
  std::span<std::byte> attached_control;
  if (!fds.empty()) {
    msghdr message{};
    message.msg_control = control.data();
    message.msg_controllen = static_cast<decltype(message.msg_controllen)>(CMSG_SPACE(sizeof(int) * fds.size()));
    cmsghdr* attached = CMSG_FIRSTHDR(&message);
    attached->cmsg_level = SOL_SOCKET;
    attached->cmsg_type = SCM_RIGHTS;
    attached->cmsg_len = static_cast<decltype(attached->cmsg_len)>(CMSG_LEN(sizeof(int) * fds.size()));
    std::memcpy(CMSG_DATA(attached), fds.data(), sizeof(int) * fds.size());
    attached_control = std::span(control).first(CMSG_SPACE(sizeof(int) * fds.size()));
  }
  ASSERT_FALSE(detail::message_socket_send(socket, parts, attached_control, deadline::after(std::chrono::seconds(1))));
}

}  // namespace xipc::test
#endif
