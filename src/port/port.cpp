// Ports, written once over a message-mode named pipe of the port name kind
// (a seqpacket socket on POSIX, a message-mode pipe on Windows), handle
// passing for the section, and anonymous memory for the section itself.
//
// Receiving: one thread at a time reads the channel (it holds `reading`);
// every frame it reads goes where it belongs: a reply to the call waiting for
// it (or nowhere, when that call gave up), anything else to the inbox, or
// straight into the reading thread's own receive buffer when the inbox is
// empty. Threads that wait while another reads sleep on a condition variable
// and take over the reading when the reader leaves. So a lone thread's call
// costs one send and one receive system call, and a dead peer ends every
// wait at once: whoever reads sees the channel close.
#include <xipc/port.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <unordered_set>

#include <xipc/anonymous_memory.hpp>
#include <xipc/handle_passing.hpp>
#include <xipc/named_pipe.hpp>

#include "backend/doorbell.hpp"
#include "backend/handle_wait.hpp"
#include "backend/mapping.hpp"
#include "backend/named_pipe_io.hpp"
#include "backend/process_identity.hpp"
#include "core/setup_error.hpp"
#include "port/port_frame.hpp"
#include "port/port_section.hpp"
#include "sync/event_wait.hpp"
#include "sync/wait_word.hpp"

namespace xipc {
namespace detail {

// The channel: messages up to a frame of the largest inline limit, and the
// welcome with its handle frame.
named_pipe_options port_channel_options() {
  return {pipe_mode::message, port_frame_bytes(port_max_inline_limit) + 1024};
}

// The largest section half a client maps when a server asks: 1 GiB.
constexpr std::uint64_t port_max_section_bytes = std::uint64_t{1} << 30;

struct port_access {
  static named_pipe_server listen(std::string_view name, failure& why) {
    return named_pipe_server::create(name, port_channel_options(), why, name_kind::port);
  }
  static named_pipe connect(std::string_view name, deadline until, failure& why) {
    return named_pipe::connect(name, port_channel_options(), until, why, name_kind::port);
  }
  static void pair(named_pipe& first, named_pipe& second, failure& why) {
    named_pipe::connected_pair(first, second, port_channel_options(), why);
  }
  static named_pipe adopt(native_handle_type channel) { return named_pipe(channel, port_channel_options()); }
};

struct port_connection;

// Connections made through rights (port::make_right), handed from the
// reading thread of the connection that brought them to port_server::accept.
// Shared by a server and every connection it accepted.
struct port_incoming {
  std::mutex mutex;
  std::deque<std::shared_ptr<port_connection>> waiting;
  bool open = true;       // false once the server is gone: new ones are closed
  doorbell_handles bell;  // rung when one is queued; accept sleeps on it

  ~port_incoming() { close_doorbell(bell); }

  // Queues a connection for accept; without a server, closes it (its client sees peer_closed).
  void offer(std::shared_ptr<port_connection> made) {
    {
      std::lock_guard lock(mutex);
      if (!open) return;
      waiting.push_back(std::move(made));
    }
    ring_doorbell(bell.id);
  }
  std::shared_ptr<port_connection> take() {
    std::lock_guard lock(mutex);
    if (waiting.empty()) return nullptr;
    auto made = std::move(waiting.front());
    waiting.pop_front();
    return made;
  }
};

namespace {

std::error_code code(errc e) { return make_error_code(e); }

// A call waiting for its reply.
struct pending_call {
  std::uint64_t id;
  std::span<std::byte> buffer;
  bool done = false;
  io_result result;
};

// A receive waiting for a message, that the reading thread may fill directly.
struct receive_target {
  std::span<std::byte> buffer;
  bool done = false;
  port_message result;
  received_handles* handles = nullptr;  // where the message's handles go; null: closed
};

// A message or call received and not yet taken.
struct inbound {
  std::uint64_t call_id = 0;
  std::vector<std::byte> bytes;  // inline
  bool in_section = false;
  std::size_t offset = 0;        // in the section: from the start of the peer's half
  std::uint64_t length = 0;
  std::uint64_t end = 0;         // in the section: what to release
  received_handles handles;      // what it carried
};

// Whether a frame says that handles follow it (check_frame checks it all later).
bool announces_handles(std::span<const std::byte> frame) {
  port_frame_header header{};
  if (frame.size() < sizeof header) return false;
  std::memcpy(&header, frame.data(), sizeof header);
  return header.magic == port_frame_magic && (header.flags & port_frame_with_handles) != 0;
}

}  // namespace

struct port_connection {
  named_pipe channel;
  peer_credentials peer{};
  std::size_t inline_limit = 0;
  std::size_t section_bytes = 0;  // per direction
  anonymous_memory section;
  port_section_lane* out_lane = nullptr;  // the direction this end sends
  port_section_lane* in_lane = nullptr;   // the direction this end receives
  std::byte* out_half = nullptr;
  const std::byte* in_half = nullptr;

  // Sending: one frame at a time, so that section positions go out in order.
  // A mutex with a deadline, made of a flag, a mutex and a condition
  // variable (std::timed_mutex's timed lock is pthread_mutex_clocklock,
  // which ThreadSanitizer does not see).
  std::mutex send_gate;
  std::condition_variable send_free;
  bool send_taken = false;
  std::vector<std::byte> send_buffer;
  port_section_writer writer;
  std::atomic<bool> gone{false};

  // Receiving.
  std::mutex mutex;
  std::condition_variable changed;
  bool reading = false;
  std::error_code broken;  // why the channel can no longer be read
  std::string broken_reason;
  std::vector<std::byte> read_buffer;
  std::deque<inbound> inbox;
  std::vector<pending_call*> calls;
  std::unordered_set<std::uint64_t> unanswered;
  std::uint64_t next_call_id = 1;
  port_section_reader reader;
  // A server's end: where connections made through rights go. Null at a client's end.
  std::shared_ptr<port_incoming> incoming;

  port_connection(named_pipe pipe, std::size_t inline_bytes, std::size_t half_bytes)
      : channel(std::move(pipe)),
        inline_limit(inline_bytes),
        section_bytes(half_bytes),
        send_buffer(port_frame_bytes(inline_bytes)),
        writer(half_bytes),
        read_buffer(port_frame_bytes(inline_bytes)),
        reader(half_bytes) {}

  // Points the lanes and halves into the mapped section.
  void attach(port_direction sending) {
    if (section_bytes == 0) return;
    auto* header = reinterpret_cast<port_section_header*>(section.data());
    const auto receiving = sending == port_direction::client_to_server ? port_direction::server_to_client
                                                                         : port_direction::client_to_server;
    out_lane = &header->lanes[static_cast<unsigned>(sending)];
    in_lane = &header->lanes[static_cast<unsigned>(receiving)];
    out_half = section.data() + port_half_offset(sending, section_bytes);
    in_half = section.data() + port_half_offset(receiving, section_bytes);
    out_lane->sender_token.store(current_process_token(), std::memory_order_release);
  }

  std::size_t max_message_bytes() const noexcept { return std::max(inline_limit, section_bytes); }

  // Under `mutex`: the channel failed; every waiter learns it.
  void fail(std::error_code why, std::string reason = {}) {
    if (!broken) {
      broken = why == errc::end_of_stream ? code(errc::peer_closed) : why;
      broken_reason = std::move(reason);
    }
    gone.store(true, std::memory_order_release);
    changed.notify_all();
  }

  // Under `mutex`: gives the room of a section message back to the sender.
  void release(std::uint64_t end) noexcept {
    const std::uint64_t released = reader.release(end);
    if (released == 0) return;
    in_lane->released.store(released, std::memory_order_release);
    event_count(in_lane->room, in_lane->sleepers).notify();
  }

  const std::byte* section_bytes_at(std::size_t offset) const noexcept { return in_half + offset; }

  // Under `mutex`: where one received frame goes.
  void dispatch(std::span<const std::byte> frame, receive_target* mine, received_handles&& arrived) {
    port_frame_header header{};
    std::string reason;
    if (!check_frame(frame, inline_limit, section_bytes, header, reason)) return fail(code(errc::corrupted), reason);
    const auto kind = static_cast<port_frame_kind>(header.kind);
    if (kind == port_frame_kind::welcome || kind == port_frame_kind::refused) {
      return fail(code(errc::corrupted), "a handshake frame after the handshake");
    }
    if (kind == port_frame_kind::connect) return admit(std::move(arrived));
    const bool in_section = (header.flags & port_frame_in_section) != 0;
    const std::byte* data = frame.data() + sizeof header;
    std::size_t offset = 0;
    const std::uint64_t end = header.position + header.length;
    if (in_section) {
      if (!reader.accept(header.position, header.length, offset, reason)) return fail(code(errc::corrupted), reason);
      data = section_bytes_at(offset);
    }
    const auto length = static_cast<std::size_t>(header.length);

    if (kind == port_frame_kind::reply) {
      const auto found = std::find_if(calls.begin(), calls.end(), [&](auto* call) { return call->id == header.call_id; });
      if (found != calls.end()) {
        pending_call& call = **found;
        if (length > call.buffer.size()) {
          call.result = {length, code(errc::message_too_large)};
        } else {
          if (length != 0) std::memcpy(call.buffer.data(), data, length);
          call.result = {length, {}};
        }
        call.done = true;
        calls.erase(found);
      }
      // A reply nobody waits for belongs to a call that gave up: dropped.
      if (in_section) release(end);
      return;
    }

    if (kind == port_frame_kind::request) unanswered.insert(header.call_id);
    if (mine != nullptr && !mine->done && inbox.empty() && length <= mine->buffer.size()) {
      if (length != 0) std::memcpy(mine->buffer.data(), data, length);
      mine->result.bytes = length;
      mine->result.call_id = header.call_id;
      if (mine->handles != nullptr) *mine->handles = std::move(arrived);
      mine->done = true;
      if (in_section) release(end);
      return;
    }
    inbound message;
    message.call_id = header.call_id;
    message.length = length;
    message.handles = std::move(arrived);
    if (in_section) {
      message.in_section = true;
      message.offset = offset;
      message.end = end;
    } else {
      message.bytes.assign(data, data + length);
    }
    inbox.push_back(std::move(message));
  }

  // Waits until done() holds, reading the channel whenever nobody else does.
  // Returns {} once done() holds; otherwise why the wait ended.
  template <class Done>
  std::error_code wait_for(std::unique_lock<std::mutex>& lock, deadline until, Done&& done, receive_target* mine) {
    for (;;) {
      if (done()) return {};
      if (broken) return broken;
      if (!reading) {
        reading = true;
        lock.unlock();
        const io_result got = named_pipe_receive_bounded(channel.native_handle(), read_buffer, until);
        // Handles come as the next message, which the sender sent right after this one.
        received_handles arrived;
        std::error_code handles_error;
        if (!got.error && announces_handles(std::span<const std::byte>(read_buffer.data(), got.bytes))) {
          std::array<std::byte, 1> none{};
          const io_result more = receive_handles(channel, none, arrived, deadline::after(std::chrono::seconds(1)));
          handles_error = more.error ? more.error : more.bytes != 0 ? code(errc::corrupted) : std::error_code{};
        }
        lock.lock();
        reading = false;
        if (got.error == errc::timed_out || got.error == errc::would_block) {
          changed.notify_all();  // another waiter with a later deadline reads now
          return done() ? std::error_code{} : got.error;
        }
        if (got.error) {
          fail(got.error, got.error == errc::corrupted ? "a frame larger than the connection allows" : "");
          continue;
        }
        if (handles_error) {
          fail(code(errc::corrupted), fmt::format("a frame announced handles that did not follow ({})", handles_error.message()));
          continue;
        }
        dispatch(std::span<const std::byte>(read_buffer.data(), got.bytes), mine, std::move(arrived));
        changed.notify_all();
        continue;
      }
      if (until.is_immediate()) return code(errc::would_block);
      if (until.is_forever()) {
        changed.wait(lock);
      } else if (changed.wait_until(lock, until.time_point()) == std::cv_status::timeout) {
        if (done()) return {};
        return broken ? broken : code(errc::timed_out);
      }
    }
  }

  // The right to send, waited for until `until`; give it back with end_sending.
  bool begin_sending(deadline until) {
    std::unique_lock lock(send_gate);
    while (send_taken) {
      if (until.is_immediate()) return false;
      if (until.is_forever()) {
        send_free.wait(lock);
      } else if (send_free.wait_until(lock, until.time_point()) == std::cv_status::timeout && send_taken) {
        return false;
      }
    }
    send_taken = true;
    return true;
  }
  void end_sending() {
    {
      std::lock_guard lock(send_gate);
      send_taken = false;
    }
    send_free.notify_one();
  }

  // Room in this end's half for `length` bytes, waiting until `until`.
  std::error_code reserve(std::uint64_t length, deadline until, std::uint64_t& position, std::string& reason) {
    auto attempt = [&]() -> std::error_code {
      bool corrupt = false;
      const std::uint64_t released = out_lane->released.load(std::memory_order_acquire);
      if (writer.reserve(length, released, position, corrupt, reason)) return {};
      return code(corrupt ? errc::corrupted : errc::would_block);
    };
    std::error_code error = attempt();
    if (error != errc::would_block) return error;
    if (until.is_immediate()) return error;
    // The receiver gives room back as it takes messages; if it died, or the
    // channel broke, nobody will: look every liveness interval.
    auto watch = [&]() -> std::error_code {
      if (gone.load(std::memory_order_acquire)) return code(errc::peer_closed);
      const std::uint64_t receiver = in_lane->sender_token.load(std::memory_order_acquire);
      if (receiver != 0 && !process_alive(receiver)) return code(errc::peer_closed);
      return code(errc::would_block);
    };
    return sleep_until(event_count(out_lane->room, out_lane->sleepers), attempt, watch, until,
                       std::chrono::steady_clock::now() + liveness_interval);
  }

  // Sends one message, call or reply.
  std::error_code send(port_frame_kind kind, std::uint64_t call_id, std::span<const std::byte> message,
                       deadline until, const handle_list* handles = nullptr) {
    if (handles != nullptr && handles->size() > max_passed_handles) return code(errc::invalid_argument);
    if (message.size() > max_message_bytes()) return code(errc::message_too_large);
    if (!begin_sending(until)) return code(until.is_immediate() ? errc::would_block : errc::timed_out);
    struct sending_ends {
      port_connection& self;
      ~sending_ends() { self.end_sending(); }
    } ends{*this};
    if (gone.load(std::memory_order_acquire)) {
      std::lock_guard broken_lock(mutex);
      return broken ? broken : code(errc::peer_closed);
    }
    port_frame_header header{port_frame_magic, port_frame_version, static_cast<std::uint8_t>(kind), 0, call_id,
                             message.size(), 0};
    std::size_t frame_bytes = sizeof header;
    if (message.size() <= inline_limit) {
      if (!message.empty()) std::memcpy(send_buffer.data() + sizeof header, message.data(), message.size());
      frame_bytes += message.size();
    } else {
      std::uint64_t position = 0;
      std::string reason;
      if (const std::error_code error = reserve(message.size(), until, position, reason)) {
        if (error == errc::corrupted) {
          std::lock_guard broken_lock(mutex);
          fail(error, "the section: " + reason);
        }
        return error;
      }
      std::memcpy(out_half + position % section_bytes, message.data(), message.size());
      header.flags = port_frame_in_section;
      header.position = position;
    }
    const bool with_handles = handles != nullptr && handles->size() > 0;
    if (with_handles) header.flags |= port_frame_with_handles;
    std::memcpy(send_buffer.data(), &header, sizeof header);
    std::error_code error = named_pipe_send(channel.native_handle(), std::span(send_buffer.data(), frame_bytes), until);
    // The handles go right behind the frame, under the same lock; a failure
    // between the two leaves the peer's reader waiting for them, which it
    // gives up as a broken connection after a second.
    if (!error && with_handles) error = send_handles(channel, *handles, {}, until);
    if (error == errc::end_of_stream) error = code(errc::peer_closed);
    return error;
  }

  void close() noexcept {
    {
      std::lock_guard lock(mutex);
      fail(code(errc::peer_closed), "closed");
    }
    channel.close();
  }

  // Under `mutex`: a connect frame's connection, for the server's accept.
  void admit(received_handles&& arrived);
};

namespace {

// Checks a section that came from the peer before a byte of it is read: its
// size fixed first, then its size now (a region the peer could still shrink,
// or shrank before sealing it, would fault when read), then its header.
// `reason` completes "the section ...".
bool check_section(const anonymous_memory& section, std::size_t half, std::string& reason) {
  if (!object_size_is_fixed(section.native_handle())) {
    reason = "can still be resized (it is not sealed)";
    return false;
  }
  failure size_why;
  const std::size_t size_now = object_size(section.native_handle(), size_why);
  // Larger is harmless (only the expected bytes are used): macOS rounds a
  // shared memory object up to whole pages. Smaller, now or when mapped, would fault.
  if (section.size() < port_section_size(half) || size_now < section.size()) {
    reason = fmt::format("holds {} bytes ({} mapped), not the {} its connection says", size_now, section.size(),
                         port_section_size(half));
    return false;
  }
  const auto* header = reinterpret_cast<const port_section_header*>(section.data());
  if (header->magic != port_section_magic || header->version != port_section_version || header->half_bytes != half) {
    reason = "has a header that does not match its connection";
    return false;
  }
  return true;
}

// A new section with halves of `half` bytes (not 0), its header written.
anonymous_memory make_section(std::size_t half, std::error_code& ec) {
  anonymous_memory section = anonymous_memory::create(port_section_size(half), ec);
  if (ec) return {};
  auto* header = reinterpret_cast<port_section_header*>(section.data());
  header->magic = port_section_magic;
  header->version = port_section_version;
  header->half_bytes = half;
  for (auto& lane : header->lanes) lane.room.key = new_random_key();
  return section;
}

// Sends a frame with no bytes of its own (refused), or the welcome with the section.
std::error_code send_handshake(named_pipe& pipe, port_frame_kind kind, const port_welcome* welcome,
                               const anonymous_memory* section, deadline until) {
  std::array<std::byte, sizeof(port_frame_header) + sizeof(port_welcome)> bytes{};
  const std::size_t body = welcome != nullptr ? sizeof *welcome : 0;
  const port_frame_header header{port_frame_magic, port_frame_version, static_cast<std::uint8_t>(kind), 0, 0, body, 0};
  std::memcpy(bytes.data(), &header, sizeof header);
  if (welcome != nullptr) std::memcpy(bytes.data() + sizeof header, welcome, sizeof *welcome);
  handle_list handles;
  if (section != nullptr && section->native_handle() != invalid_native_handle) handles.add(*section);
  return send_handles(pipe, handles, std::span(bytes.data(), sizeof header + body), until);
}

std::shared_ptr<port_connection> open_section(named_pipe pipe, std::size_t inline_limit, std::size_t half_bytes,
                                              anonymous_memory section, port_direction sending) {
  auto connection = std::make_shared<port_connection>(std::move(pipe), inline_limit, half_bytes);
  connection->section = std::move(section);
  connection->attach(sending);
  return connection;
}

}  // namespace

void port_connection::admit(received_handles&& arrived) {
  if (!incoming) return fail(code(errc::corrupted), "a connect frame sent to a client (a right leads to a server)");
  const std::size_t expected = section_bytes != 0 ? 2 : 1;
  if (arrived.size() != expected) {
    return fail(code(errc::corrupted), fmt::format("a connect frame with {} handles, not {}", arrived.size(), expected));
  }
  std::error_code ec;
  port_right end = arrived.take<port_right>(0, ec);
  if (ec) return fail(code(errc::corrupted), fmt::format("a connect frame's channel: {}", ec.message()));
  anonymous_memory new_section;
  if (section_bytes != 0) {
    new_section = arrived.take<anonymous_memory>(1, ec);
    if (ec) return fail(code(errc::corrupted), fmt::format("a connect frame's section: {}", ec.message()));
    std::string reason;
    if (!check_section(new_section, section_bytes, reason)) {
      return fail(code(errc::corrupted), "a connect frame's section " + reason);
    }
  }
  auto made = open_section(port_access::adopt(end.release()), inline_limit, section_bytes, std::move(new_section),
                           port_direction::server_to_client);
  named_pipe_peer(made->channel.native_handle(), true, made->peer);
  made->incoming = incoming;
  incoming->offer(std::move(made));
}

namespace {

// The client's side of the handshake: the welcome, with its section, from
// the server (or, for a right, from the client that made it). `what` names
// the port for errors.
std::shared_ptr<port_connection> take_welcome(named_pipe pipe, std::string_view what, deadline until, failure& why) {
  std::array<std::byte, sizeof(port_frame_header) + sizeof(port_welcome) + 64> buffer{};
  received_handles handles;
  const io_result got = receive_handles(pipe, buffer, handles, until);
  if (got.error) {
    why.code = got.error == errc::end_of_stream ? code(errc::peer_closed) : got.error;
    why.detail = fmt::format("no welcome from the server of {}: {}", what, why.code.message());
    return nullptr;
  }
  port_frame_header header{};
  std::string reason;
  if (!check_frame(std::span(buffer.data(), got.bytes), sizeof(port_welcome), 0, header, reason)) {
    why = refuse(errc::corrupted, fmt::format("the server's welcome is broken: {}", reason));
    return nullptr;
  }
  if (header.kind == static_cast<std::uint8_t>(port_frame_kind::refused)) {
    why = refuse(errc::permission_denied, "the server refused this process");
    return nullptr;
  }
  if (header.kind != static_cast<std::uint8_t>(port_frame_kind::welcome)) {
    why = refuse(errc::corrupted, fmt::format("the server sent frame kind {} instead of a welcome", header.kind));
    return nullptr;
  }
  port_welcome welcome{};
  std::memcpy(&welcome, buffer.data() + sizeof header, sizeof welcome);
  if (welcome.inline_limit > port_max_inline_limit || welcome.section_bytes > port_max_section_bytes ||
      welcome.section_bytes % port_section_header_bytes != 0) {
    why = refuse(errc::corrupted, fmt::format("the server's welcome asks for an inline limit of {} and halves of {} "
                                              "bytes (at most {}, and at most {} in whole pages)",
                                              welcome.inline_limit, welcome.section_bytes, port_max_inline_limit,
                                              port_max_section_bytes));
    return nullptr;
  }
  const std::size_t half = welcome.section_bytes;
  anonymous_memory section;
  if (handles.size() != (half != 0 ? 1u : 0u)) {
    why = refuse(errc::corrupted, fmt::format("the server's welcome came with {} handles", handles.size()));
    return nullptr;
  }
  if (half != 0) {
    std::error_code ec;
    section = handles.take<anonymous_memory>(0, ec);
    if (ec) {
      why = refuse(errc::corrupted, fmt::format("the server's section is not a memory region: {}", ec.message()));
      return nullptr;
    }
    if (!check_section(section, half, reason)) {
      why = refuse(errc::corrupted, "the server's section " + reason);
      return nullptr;
    }
  }
  auto connection = open_section(std::move(pipe), welcome.inline_limit, half, std::move(section),
                                 port_direction::client_to_server);
  named_pipe_peer(connection->channel.native_handle(), false, connection->peer);
  return connection;
}

}  // namespace
}  // namespace detail

// ---- port_received

port_received::port_received(port_received&& other) noexcept { *this = std::move(other); }

port_received& port_received::operator=(port_received&& other) noexcept {
  if (this != &other) {
    release();
    owner_ = std::move(other.owner_);
    copy_ = std::move(other.copy_);
    handles_ = std::move(other.handles_);
    bytes_ = std::exchange(other.bytes_, {});
    call_id_ = std::exchange(other.call_id_, 0);
    section_end_ = std::exchange(other.section_end_, 0);
    in_section_ = std::exchange(other.in_section_, false);
  }
  return *this;
}

void port_received::release() noexcept {
  if (in_section_ && owner_) {
    std::lock_guard lock(owner_->mutex);
    owner_->release(section_end_);
  }
  owner_.reset();
  copy_.clear();
  bytes_ = {};
  call_id_ = 0;
  section_end_ = 0;
  in_section_ = false;
}

// ---- port

port::~port() {
  if (connection_) connection_->close();
}

port& port::operator=(port&& other) noexcept {
  if (this != &other) {
    if (connection_) connection_->close();
    connection_ = std::move(other.connection_);
  }
  return *this;
}

port port::connect(std::string_view name, deadline until, detail::failure& why) {
  named_pipe pipe = detail::port_access::connect(name, until, why);
  if (why) return {};
  auto connection = detail::take_welcome(std::move(pipe), fmt::format("port \"{}\"", name), until, why);
  if (why) return {};
  return port(std::move(connection));
}

port port::connect(port_right& right, deadline until, detail::failure& why) {
  if (!right.is_open()) {
    why = detail::refuse(errc::invalid_argument, "the right is empty (never made, or opened already)");
    return {};
  }
  named_pipe pipe = detail::port_access::adopt(right.release());
  auto connection = detail::take_welcome(std::move(pipe), "a port right", until, why);
  if (why) return {};
  return port(std::move(connection));
}

port port::connect(port_right right, deadline until) {
  return detail::report_or_throw("port", "a port right", [&](auto& why) { return connect(right, until, why); });
}

port port::connect(port_right right, deadline until, std::error_code& ec) {
  return detail::report_to(ec, [&](auto& why) { return connect(right, until, why); });
}

std::error_code port::make_right(port_right& right, deadline until) noexcept {
  if (!connection_) return detail::code(errc::invalid_argument);
  auto& c = *connection_;
  if (c.incoming) return detail::code(errc::not_supported);
  try {
    // Everything the server would do for a client is done here, so that the
    // right works before the server has seen it: the pair, the section, and
    // the welcome, waiting in the right's end. The server gets its end and
    // the section in a connect frame, checks the section as a client checks
    // a server's, and hands the connection to accept.
    detail::failure why;
    named_pipe server_end;
    named_pipe client_end;
    detail::port_access::pair(server_end, client_end, why);
    if (why) return why.code;
    anonymous_memory section;
    if (c.section_bytes != 0) {
      std::error_code ec;
      section = detail::make_section(c.section_bytes, ec);
      if (ec) return ec;
    }
    const detail::port_welcome welcome{c.inline_limit, c.section_bytes};
    if (const std::error_code ec =
            detail::send_handshake(server_end, detail::port_frame_kind::welcome, &welcome, &section, until)) {
      return ec;
    }
    const port_right for_server(server_end.release());
    handle_list handles;
    handles.add(for_server);
    if (c.section_bytes != 0) handles.add(section);
    if (const std::error_code ec = c.send(detail::port_frame_kind::connect, 0, {}, until, &handles)) return ec;
    right = port_right(client_end.release());
    return {};
  } catch (const std::system_error& error) {
    return error.code();
  } catch (...) {
    return detail::code(errc::invalid_argument);
  }
}

port port::connect(std::string_view name, deadline until) {
  return detail::report_or_throw("port", name, [&](auto& why) { return connect(name, until, why); });
}

port port::connect(std::string_view name, deadline until, std::error_code& ec) {
  return detail::report_to(ec, [&](auto& why) { return connect(name, until, why); });
}

std::error_code port::send(std::span<const std::byte> message, deadline until) noexcept {
  if (!connection_) return detail::code(errc::invalid_argument);
  try {
    return connection_->send(detail::port_frame_kind::message, 0, message, until);
  } catch (...) {
    return detail::code(errc::invalid_argument);
  }
}

std::error_code port::send(std::span<const std::byte> message, const handle_list& handles, deadline until) noexcept {
  if (!connection_) return detail::code(errc::invalid_argument);
  try {
    return connection_->send(detail::port_frame_kind::message, 0, message, until, &handles);
  } catch (...) {
    return detail::code(errc::invalid_argument);
  }
}

port_message port::receive(std::span<std::byte> buffer, deadline until) noexcept {
  return receive(buffer, nullptr, until);
}

port_message port::receive(std::span<std::byte> buffer, received_handles& handles, deadline until) noexcept {
  handles.clear();
  return receive(buffer, &handles, until);
}

port_message port::receive(std::span<std::byte> buffer, received_handles* handles, deadline until) noexcept {
  port_message result;
  if (!connection_) {
    result.error = detail::code(errc::invalid_argument);
    return result;
  }
  auto& c = *connection_;
  try {
    detail::receive_target mine{buffer, false, {}, handles};
    std::unique_lock lock(c.mutex);
    const std::error_code error = c.wait_for(lock, until, [&] { return mine.done || !c.inbox.empty(); }, &mine);
    if (mine.done) return mine.result;
    if (c.inbox.empty()) {
      result.error = error;
      return result;
    }
    detail::inbound& front = c.inbox.front();
    result.bytes = static_cast<std::size_t>(front.length);
    result.call_id = front.call_id;
    if (front.length > buffer.size()) {
      result.error = detail::code(errc::message_too_large);
      return result;
    }
    const std::byte* data = front.in_section ? c.section_bytes_at(front.offset) : front.bytes.data();
    if (front.length != 0) std::memcpy(buffer.data(), data, static_cast<std::size_t>(front.length));
    if (front.in_section) c.release(front.end);
    if (handles != nullptr) *handles = std::move(front.handles);
    c.inbox.pop_front();
    return result;
  } catch (...) {
    result.error = detail::code(errc::invalid_argument);
    return result;
  }
}

std::error_code port::receive(port_received& message, deadline until) noexcept {
  message.release();
  if (!connection_) return detail::code(errc::invalid_argument);
  auto& c = *connection_;
  try {
    std::unique_lock lock(c.mutex);
    const std::error_code error = c.wait_for(lock, until, [&] { return !c.inbox.empty(); }, nullptr);
    if (c.inbox.empty()) return error;
    detail::inbound& front = c.inbox.front();
    message.call_id_ = front.call_id;
    message.handles_ = std::move(front.handles);
    if (front.in_section) {
      message.owner_ = connection_;
      message.in_section_ = true;
      message.section_end_ = front.end;
      message.bytes_ = std::span(c.section_bytes_at(front.offset), static_cast<std::size_t>(front.length));
    } else {
      message.copy_ = std::move(front.bytes);
      message.bytes_ = message.copy_;
    }
    c.inbox.pop_front();
    return {};
  } catch (...) {
    return detail::code(errc::invalid_argument);
  }
}

io_result port::call(std::span<const std::byte> request, std::span<std::byte> reply, deadline until) noexcept {
  if (!connection_) return {0, detail::code(errc::invalid_argument)};
  auto& c = *connection_;
  try {
    detail::pending_call me{0, reply, false, {}};
    std::unique_lock lock(c.mutex);
    if (c.broken) return {0, c.broken};
    me.id = c.next_call_id++;
    c.calls.push_back(&me);
    lock.unlock();
    std::error_code error = c.send(detail::port_frame_kind::request, me.id, request, until);
    lock.lock();
    if (!error) error = c.wait_for(lock, until, [&] { return me.done; }, nullptr);
    if (me.done) return me.result;
    // Given up: a reply that comes later finds no call and is dropped.
    std::erase(c.calls, &me);
    return {0, error};
  } catch (...) {
    return {0, detail::code(errc::invalid_argument)};
  }
}

std::error_code port::reply(std::uint64_t call_id, std::span<const std::byte> message, deadline until) noexcept {
  if (!connection_) return detail::code(errc::invalid_argument);
  auto& c = *connection_;
  try {
    {
      std::lock_guard lock(c.mutex);
      if (c.unanswered.erase(call_id) == 0) return detail::code(errc::invalid_argument);
    }
    return c.send(detail::port_frame_kind::reply, call_id, message, until);
  } catch (...) {
    return detail::code(errc::invalid_argument);
  }
}

std::string port::broken_reason() const {
  if (!connection_) return {};
  std::lock_guard lock(connection_->mutex);
  return connection_->broken == errc::corrupted ? connection_->broken_reason : std::string();
}

peer_credentials port::peer() const noexcept { return connection_ ? connection_->peer : peer_credentials{}; }
std::size_t port::inline_limit() const noexcept { return connection_ ? connection_->inline_limit : 0; }
std::size_t port::section_bytes() const noexcept { return connection_ ? connection_->section_bytes : 0; }
std::size_t port::max_message_bytes() const noexcept { return connection_ ? connection_->max_message_bytes() : 0; }
native_handle_type port::native_handle() const noexcept {
  return connection_ ? connection_->channel.native_handle() : invalid_native_handle;
}

// ---- port_server

struct port_server::state {
  named_pipe_server listener;
  port_options options;
  std::size_t half_bytes = 0;  // options.section_bytes in whole pages
  std::vector<std::uint32_t> uids;
  std::function<void(std::string_view)> log;
  std::shared_ptr<detail::port_incoming> incoming = std::make_shared<detail::port_incoming>();

  // Connections made through rights that no accept took are closed: their
  // clients see peer_closed, as when a server dies.
  ~state() {
    std::deque<std::shared_ptr<detail::port_connection>> left;
    {
      std::lock_guard lock(incoming->mutex);
      incoming->open = false;
      left.swap(incoming->waiting);
    }
    for (auto& made : left) made->close();
  }

  // Hands a client that connected by name its welcome and section; false
  // when it was refused or did not take them.
  bool welcome(named_pipe& pipe, deadline until, std::shared_ptr<detail::port_connection>& made, std::error_code& error);
};

port_server::port_server() noexcept = default;
port_server::port_server(port_server&&) noexcept = default;
port_server& port_server::operator=(port_server&&) noexcept = default;
port_server::~port_server() = default;

port_server port_server::create(std::string_view name, const port_options& options, detail::failure& why) {
  if (options.inline_limit > detail::port_max_inline_limit) {
    why = detail::refuse(errc::invalid_argument, fmt::format("inline_limit {} is above the most a port carries inline ({})",
                                                             options.inline_limit, detail::port_max_inline_limit));
    return {};
  }
  const std::uint64_t page = detail::port_section_header_bytes;
  const std::uint64_t half = (std::uint64_t{options.section_bytes} + page - 1) / page * page;
  if (options.section_bytes > detail::port_max_section_bytes) {
    why = detail::refuse(errc::invalid_argument, fmt::format("section_bytes {} is above the most a client maps ({})",
                                                             options.section_bytes, detail::port_max_section_bytes));
    return {};
  }
  port_server server;
  server.state_ = std::make_unique<state>();
  if (!detail::open_doorbell(server.state_->incoming->bell, why)) return {};
  server.state_->listener = detail::port_access::listen(name, why);
  if (why) return {};
  server.state_->options = options;
  server.state_->half_bytes = static_cast<std::size_t>(half);
  return server;
}

port_server port_server::create(std::string_view name, const port_options& options) {
  return detail::report_or_throw("port_server", name, [&](auto& why) { return create(name, options, why); });
}

port_server port_server::create(std::string_view name, const port_options& options, std::error_code& ec) {
  return detail::report_to(ec, [&](auto& why) { return create(name, options, why); });
}

namespace {

// A client that does not take its welcome within a second is not waited for longer.
deadline handshake_deadline(deadline until) {
  const deadline second = deadline::after(std::chrono::seconds(1));
  if (until.is_immediate() || until.time_point() > second.time_point()) return second;
  return until;
}

bool uid_allowed(const std::vector<std::uint32_t>& uids, const peer_credentials& peer, std::error_code unknown) {
  if (uids.empty()) return true;
  return !unknown && detail::named_pipe_peer_has_uid && std::find(uids.begin(), uids.end(), peer.uid) != uids.end();
}

}  // namespace

bool port_server::state::welcome(named_pipe& pipe, deadline until, std::shared_ptr<detail::port_connection>& made,
                                 std::error_code& error) {
  peer_credentials peer;
  const std::error_code unknown = detail::named_pipe_peer(pipe.native_handle(), true, peer);
  // A client that does not read its welcome in a second is not worth waiting for.
  const deadline handshake = handshake_deadline(until);
  if (!uid_allowed(uids, peer, unknown)) {
    const std::string reason =
        unknown ? fmt::format("xipc: port \"{}\" refused a client: its credentials are unknown ({})", listener.name(),
                              unknown.message())
                : fmt::format("xipc: port \"{}\" refused a client: pid {} uid {} gid {}, uid not in {{{}}}{}",
                              listener.name(), peer.pid, peer.uid, peer.gid, fmt::join(uids, ", "),
                              detail::named_pipe_peer_has_uid ? "" : " (this OS reports no uid for a pipe's client)");
    (void)detail::send_handshake(pipe, detail::port_frame_kind::refused, nullptr, nullptr, handshake);
    if (log) {
      log(reason);
    } else {
      fmt::print(stderr, "{}\n", reason);
    }
    return false;
  }
  anonymous_memory section;
  if (half_bytes != 0) {
    section = detail::make_section(half_bytes, error);
    if (error) return false;
  }
  const detail::port_welcome settings{options.inline_limit, half_bytes};
  if (detail::send_handshake(pipe, detail::port_frame_kind::welcome, &settings, &section, handshake)) return false;
  made = detail::open_section(std::move(pipe), options.inline_limit, half_bytes, std::move(section),
                              detail::port_direction::server_to_client);
  made->peer = peer;
  made->incoming = incoming;
  return true;
}

std::error_code port_server::accept(port& connection, deadline until) noexcept {
  if (!state_) return detail::code(errc::invalid_argument);
  try {
    for (;;) {
      // Connections made through rights first: they are connected already.
      if (auto made = state_->incoming->take()) {
        connection = port(std::move(made));
        return {};
      }
      named_pipe pipe;
      const std::error_code error = state_->listener.accept(pipe, deadline::immediately());
      if (error == errc::would_block) {
        if (until.is_immediate()) return error;
        if (until.expired()) return detail::code(errc::timed_out);
        // Until a client connects by name or a right's connection is queued.
        // The bell is cleared before the queue is looked at again, so a ring
        // after that look is never lost.
        std::array<detail::handle_interest, 2> interests{};
        interests[0].handle = state_->listener.native_handle();
        interests[1].handle = state_->incoming->bell.wait;
        const auto slice = until.is_forever() ? std::chrono::milliseconds(std::chrono::hours(1))
                                              : std::min<std::chrono::milliseconds>(
                                                    std::chrono::ceil<std::chrono::milliseconds>(until.remaining()),
                                                    std::chrono::hours(1));
        detail::wait_for_handles(interests, slice);
        detail::clear_doorbell(state_->incoming->bell);
        continue;
      }
      if (error) return error;
      std::shared_ptr<detail::port_connection> made;
      std::error_code failed;
      if (state_->welcome(pipe, until, made, failed)) {
        connection = port(std::move(made));
        return {};
      }
      if (failed) return failed;
    }
  } catch (const std::system_error& error) {
    return error.code();
  } catch (...) {
    return detail::code(errc::invalid_argument);
  }
}

void port_server::allow_only_uids(std::vector<std::uint32_t> uids, std::function<void(std::string_view)> log) {
  if (!state_) return;
  state_->uids = std::move(uids);
  state_->log = std::move(log);
}

const std::string& port_server::name() const noexcept {
  static const std::string none;
  return state_ ? state_->listener.name() : none;
}

const port_options& port_server::options() const noexcept {
  static const port_options none{};
  return state_ ? state_->options : none;
}

native_handle_type port_server::native_handle() const noexcept {
  return state_ ? state_->listener.native_handle() : invalid_native_handle;
}

}  // namespace xipc
