// The Unix-domain socket setup that POSIX named pipes stand on. Their data
// goes through the transfer calls every socket shares (socket_io.hpp).
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include <xipc/concepts.hpp>
#include <xipc/deadline.hpp>
#include <xipc/name.hpp>
#include <xipc/native_handle.hpp>

#include "core/setup_error.hpp"

namespace xipc::detail {

// A byte stream, or a message socket (posix/message_socket.hpp: seqpacket, or framed over a stream).
enum class local_socket_kind { stream, message };

// The socket path for a portable name of a named pipe or a port (`kind`):
// <directory>/<os_name> in a directory only this user can enter
// ($XDG_RUNTIME_DIR/xipc, else /tmp/xipc-<uid>), created on first use. Names
// that would not fit sun_path are hashed.
std::string local_socket_path(std::string_view name, failure& why, name_kind kind = name_kind::named_pipe);

// That directory's path, neither made nor checked here.
std::string local_socket_directory();

// A listening socket at `path`. A socket file that nobody accepts on (left by
// a crashed server) is replaced; a live server is errc::already_exists.
native_handle_type local_listen(const std::string& path, local_socket_kind kind, failure& why);

// Connects to `path`: errc::not_found when no server listens there; waits
// until `until` while the server's backlog is full.
native_handle_type local_connect(const std::string& path, local_socket_kind kind, deadline until, failure& why);

}  // namespace xipc::detail
