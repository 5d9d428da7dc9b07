// Named pipes: full duplex, many concurrent clients, in byte mode (a stream)
// or message mode (boundaries kept). A server creates the pipe by portable
// name and accepts connections; clients connect by the same name.
//
//   auto server = xipc::named_pipe_server::create("jobs", {.mode = xipc::pipe_mode::message});
//   xipc::named_pipe connection;
//   std::error_code accepted = server.accept(connection, 5s);           // one per client
//   auto client = xipc::named_pipe::connect("jobs", {.mode = xipc::pipe_mode::message});
//
// POSIX: a Unix-domain socket (stream for byte mode, seqpacket for message
// mode) in a directory only this user can enter. Windows: CreateNamedPipeW,
// with overlapped I/O for the deadlines. See docs/pipes.md.
//
// Thread safety: a named_pipe may be used by two threads at once, one sending
// or writing and one receiving or reading; a server's accept by one thread
// at a time. Moving must not race with use.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <xipc/concepts.hpp>
#include <xipc/deadline.hpp>
#include <xipc/error.hpp>
#include <xipc/name.hpp>
#include <xipc/detail/owned_handle.hpp>

namespace xipc {
namespace detail {
struct failure;
struct port_access;  // ports connect through named pipes of their own name kind
}

enum class pipe_mode {
  byte,     // a byte stream: read_some / write_some
  message,  // whole messages: send / receive
};

struct named_pipe_options {
  pipe_mode mode = pipe_mode::byte;
  // Message mode: the largest message either side may send. A larger message
  // than a receive's buffer is reported (errc::message_too_large, with its
  // size) and never cut: a buffer smaller than this looks at the size first,
  // and the message stays queued; a buffer this large takes the message at
  // once, and one above it (a peer whose own maximum is larger) is kept by
  // the receiving handle for its next receive (docs/pipes.md).
  std::size_t max_message_bytes = 64 * 1024;
};

// One connected end, the client's or the server's; both are the same type.
class named_pipe : public detail::owned_handle {
 public:
  named_pipe() noexcept = default;

  // Connects to the server of `name`: errc::not_found (with the name) when no
  // server listens; waits until `until` while the server's backlog is full.
  static named_pipe connect(std::string_view name, const named_pipe_options& options = {},
                            deadline until = deadline::forever());
  static named_pipe connect(std::string_view name, const named_pipe_options& options, deadline until,
                            std::error_code& ec);

  pipe_mode mode() const noexcept { return options_.mode; }

  // Byte mode. In message mode they are errc::invalid_argument.
  [[nodiscard]] io_result read_some(std::span<std::byte> buffer, deadline until) noexcept;
  [[nodiscard]] io_result write_some(std::span<const std::byte> data, deadline until) noexcept;

  // Message mode. In byte mode they are errc::invalid_argument. A message of
  // 0 bytes is errc::invalid_argument: a seqpacket socket cannot tell it from
  // the peer closing, and on Windows a read of 0 bytes is how receive waits.
  [[nodiscard]] std::error_code send(std::span<const std::byte> message, deadline until) noexcept;
  [[nodiscard]] std::error_code try_send(std::span<const std::byte> message) noexcept {
    return send(message, deadline::immediately());
  }
  [[nodiscard]] io_result receive(std::span<std::byte> buffer, deadline until) noexcept;
  [[nodiscard]] io_result try_receive(std::span<std::byte> buffer) noexcept {
    return receive(buffer, deadline::immediately());
  }

 private:
  friend class named_pipe_server;
  friend struct detail::port_access;
  named_pipe(native_handle_type handle, const named_pipe_options& options) noexcept
      : detail::owned_handle(handle), options_(options) {}
  static named_pipe connect(std::string_view name, const named_pipe_options& options, deadline until,
                            detail::failure& why, name_kind kind = name_kind::named_pipe);
  // Two connected ends with no name (a socket pair; errc::not_supported on
  // Windows, where a pipe's ends stay tied to the processes that opened them).
  static void connected_pair(named_pipe& first, named_pipe& second, const named_pipe_options& options,
                             detail::failure& why);

  named_pipe_options options_;
  // Message mode: a message taken from the connection that was larger than
  // the receive's buffer, returned by the next receive that can hold it.
  std::vector<std::byte> held_;
};

static_assert(byte_stream<named_pipe>);
static_assert(message_channel<named_pipe>);

class named_pipe_server : public detail::owned_handle {
 public:
  named_pipe_server() noexcept = default;
  named_pipe_server(named_pipe_server&& other) noexcept { *this = std::move(other); }
  named_pipe_server& operator=(named_pipe_server&& other) noexcept;
  // Removes the name, unless another server has taken it over since.
  ~named_pipe_server();

  // Starts serving `name`. A server that died without cleaning up is detected
  // and replaced; a live one makes this errc::already_exists.
  static named_pipe_server create(std::string_view name, const named_pipe_options& options = {});
  static named_pipe_server create(std::string_view name, const named_pipe_options& options, std::error_code& ec);

  // The next client's connection, waiting until `until`: errc::timed_out
  // (errc::would_block when immediate) when none came.
  [[nodiscard]] std::error_code accept(named_pipe& connection, deadline until = deadline::forever()) noexcept;

  const std::string& name() const noexcept { return name_; }
  pipe_mode mode() const noexcept { return options_.mode; }

 private:
  friend struct detail::port_access;
  static named_pipe_server create(std::string_view name, const named_pipe_options& options, detail::failure& why,
                                  name_kind kind = name_kind::named_pipe);
  // POSIX: removes the socket file if it is still the one this server made.
  // Windows: closes the pipe instances that wait for clients.
  void remove_name() noexcept;

  std::string name_;
  std::string path_;           // the socket file (POSIX) or \\.\pipe\ name (Windows)
  std::uint64_t file_id_ = 0;  // POSIX: identifies the socket file this server made (device and inode)
  std::shared_ptr<void> listening_;  // Windows: the pipe instances that wait for clients
  named_pipe_options options_;
};

}  // namespace xipc
