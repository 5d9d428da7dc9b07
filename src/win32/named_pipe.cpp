#include <xipc/named_pipe.hpp>

#include <windows.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "backend/named_pipe_io.hpp"
#include "win32/object_owner.hpp"
#include "win32/os_error.hpp"
#include "win32/overlapped_io.hpp"
#include "win32/pipe_instance.hpp"

// A Windows named pipe is a set of instances under one name. Each instance
// takes one client, so the server keeps `backlog` instances listening, each
// with a ConnectNamedPipe outstanding that signals the server's one event;
// accept takes the oldest instance that has a client and puts a new one in
// its place. Connections are overlapped handles, so that every deadline mode
// is a wait that can be given up (overlapped_io.hpp).

namespace xipc {
namespace {

// How many clients may have connected before the server accepts them: the
// twin of a socket's listen backlog. A client that finds every instance taken
// waits (WaitNamedPipeW) until its deadline.
constexpr std::size_t backlog = 32;

// One instance that waits for a client.
struct listening_instance {
  HANDLE pipe = INVALID_HANDLE_VALUE;
  OVERLAPPED connect{};
  bool connected_before_wait = false;  // the client came before ConnectNamedPipe (ERROR_PIPE_CONNECTED)

  bool has_client() const noexcept { return connected_before_wait || HasOverlappedIoCompleted(&connect); }
};

// The server's instances, oldest first (a client gets the oldest free one).
struct listener {
  std::wstring path;
  named_pipe_options options;
  HANDLE event = nullptr;  // the server's native handle: signalled when an instance got a client
  std::vector<std::unique_ptr<listening_instance>> instances;

  listener() = default;
  listener(const listener&) = delete;
  listener& operator=(const listener&) = delete;
  ~listener() {
    for (auto& instance : instances) close(*instance);
  }

  // Adds an instance that waits for a client; false (with `why`) if none could be made.
  bool add_instance(bool first, detail::failure& why) {
    auto instance = std::make_unique<listening_instance>();
    instance->pipe = detail::create_pipe_instance(path, options.mode, detail::pipe_direction::both, first, why);
    if (why) return false;
    instance->connect.hEvent = event;
    if (::ConnectNamedPipe(instance->pipe, &instance->connect)) {
      instance->connected_before_wait = true;
    } else if (const DWORD code = ::GetLastError(); code == ERROR_PIPE_CONNECTED) {
      instance->connected_before_wait = true;
    } else if (code != ERROR_IO_PENDING) {
      why = detail::os_failure("ConnectNamedPipe", code);
      ::CloseHandle(instance->pipe);
      return false;
    }
    instances.push_back(std::move(instance));
    return true;
  }

  static void close(listening_instance& instance) noexcept {
    if (!instance.has_client()) {
      ::CancelIoEx(instance.pipe, &instance.connect);
      // The instances share one event, which says nothing about this one:
      // wait for its own status before its OVERLAPPED goes away.
      while (!HasOverlappedIoCompleted(&instance.connect)) ::Sleep(0);
    }
    ::CloseHandle(instance.pipe);
  }

  // The oldest instance with a client, or instances.end().
  auto first_with_client() noexcept {
    return std::find_if(instances.begin(), instances.end(), [](const auto& instance) { return instance->has_client(); });
  }
};

}  // namespace

named_pipe named_pipe::connect(std::string_view name, const named_pipe_options& options, deadline until,
                               detail::failure& why, name_kind kind) {
  const std::string path = detail::named_pipe_path(name, why, kind);
  if (why) return {};
  // READ_CONTROL: the server's pipe is checked before a byte goes to it.
  const HANDLE pipe = detail::open_pipe_client(path, GENERIC_READ | GENERIC_WRITE | READ_CONTROL,
                                               detail::no_server::fails, until, why);
  if (why) return {};
  named_pipe connection(pipe, options);
  // A squatter's server of the same name is not this user's: refused.
  if (!detail::check_handle_owner(pipe, path, permissions::owner_only(), why)) return {};
  if (!detail::check_pipe_mode(pipe, options.mode, why)) return {};
  return connection;
}

namespace detail {

io_result named_pipe_read_some(native_handle_type pipe, std::span<std::byte> buffer, deadline until) noexcept {
  return pipe_read_some(pipe, buffer, until);
}

io_result named_pipe_write_some(native_handle_type pipe, std::span<const std::byte> data, deadline until) noexcept {
  return pipe_write_some(pipe, data, until);
}

std::error_code named_pipe_send(native_handle_type pipe, std::span<const std::byte> message, deadline until) noexcept {
  return send_pipe_message(pipe, message, until);
}

// A message too large for the buffer stays in the pipe (PeekNamedPipe looks first): `held` is never used.
io_result named_pipe_receive(native_handle_type pipe, std::span<std::byte> buffer, std::size_t,
                             std::vector<std::byte>& /*held*/, deadline until) noexcept {
  return receive_pipe_message(pipe, buffer, until);
}

io_result named_pipe_receive_bounded(native_handle_type pipe, std::span<std::byte> buffer, deadline until) noexcept {
  io_result got = receive_pipe_message(pipe, buffer, until);
  if (got.error == errc::message_too_large) got.error = make_error_code(errc::corrupted);
  return got;
}

std::error_code named_pipe_peer(native_handle_type pipe, bool server_end, peer_credentials& out) noexcept {
  ULONG pid = 0;
  const BOOL known = server_end ? ::GetNamedPipeClientProcessId(pipe, &pid) : ::GetNamedPipeServerProcessId(pipe, &pid);
  if (!known) return error_from_os(::GetLastError());
  out = peer_credentials{static_cast<std::int64_t>(pid), 0, 0};
  return {};
}

}  // namespace detail

named_pipe_server named_pipe_server::create(std::string_view name, const named_pipe_options& options,
                                            detail::failure& why, name_kind kind) {
  const std::string path = detail::named_pipe_path(name, why, kind);
  if (why) return {};
  auto state = std::make_shared<listener>();
  state->path = detail::widen(path, why);
  state->options = options;
  const HANDLE event = ::CreateEventW(nullptr, TRUE, FALSE, nullptr);
  if (event == nullptr) {
    why = detail::last_os_failure("CreateEventW");
    return {};
  }
  state->event = event;
  // The first instance is made with FILE_FLAG_FIRST_PIPE_INSTANCE: a live
  // server of the same name makes it fail, so no two servers share a name.
  for (std::size_t i = 0; i < backlog; ++i) {
    if (!state->add_instance(i == 0, why)) {
      state.reset();  // its pending connects use the event: they go first
      ::CloseHandle(event);
      return {};
    }
  }
  named_pipe_server server;
  static_cast<detail::owned_handle&>(server) = detail::owned_handle(event);
  server.name_ = std::string(name);
  server.path_ = path;
  server.options_ = options;
  server.listening_ = std::move(state);
  return server;
}

std::error_code named_pipe_server::accept(named_pipe& connection, deadline until) noexcept {
  auto* state = static_cast<listener*>(listening_.get());
  if (state == nullptr) return make_error_code(errc::invalid_argument);
  for (;;) {
    auto found = state->first_with_client();
    if (found == state->instances.end()) {
      // Reset, then look again: a client that came in between is seen by the
      // second look, one that comes after signals the event again.
      ::ResetEvent(state->event);
      found = state->first_with_client();
    }
    if (found == state->instances.end()) {
      const DWORD waited = ::WaitForSingleObject(state->event, detail::wait_milliseconds(until));
      if (waited == WAIT_FAILED) return detail::error_from_os(::GetLastError());
      if (waited == WAIT_TIMEOUT && (until.is_immediate() || until.expired())) return detail::deadline_passed(until);
      continue;
    }
    std::unique_ptr<listening_instance> instance = std::move(*found);
    state->instances.erase(found);
    DWORD ignored = 0;
    const bool ok = instance->connected_before_wait ||
                    ::GetOverlappedResult(instance->pipe, &instance->connect, &ignored, FALSE) ||
                    ::GetLastError() == ERROR_PIPE_CONNECTED;
    // Keep the backlog full; an instance that cannot be made now is tried again at the next accept.
    while (state->instances.size() < backlog) {
      detail::failure not_now;
      if (!state->add_instance(false, not_now)) break;
    }
    if (!ok) {
      // The client left before it was accepted (ERROR_NO_DATA): nobody to hand over.
      ::CloseHandle(instance->pipe);
      continue;
    }
    connection = named_pipe(instance->pipe, options_);
    return {};
  }
}

void named_pipe::connected_pair(named_pipe&, named_pipe&, const named_pipe_options&, detail::failure& why) {
  // A pair could be made (an instance under a random name, and its client
  // end), but a pipe's ends stay tied to the processes that opened them:
  // GetNamedPipeClientProcessId and GetNamedPipeServerProcessId keep naming
  // the maker after an end is handed to another process, and handle passing
  // finds the process to duplicate into that way.
  why = detail::refuse(errc::not_supported,
                       "a connected pair of pipe ends to hand to other processes (Windows ties each end to the "
                       "process that opened it)");
}

void named_pipe_server::remove_name() noexcept {
  // The name goes with the last instance: the listening ones close here,
  // accepted connections keep theirs.
  listening_.reset();
}

}  // namespace xipc
