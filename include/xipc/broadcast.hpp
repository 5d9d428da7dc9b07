// Publish/subscribe in shared memory: one publisher, up to max_subscribers
// subscribers, and every subscriber receives, in order, every message
// published after it joined. Messages live in a ring of fixed-size slots;
// each subscriber keeps its own cursor. Publishing is lock-free and makes no
// system call unless a subscriber sleeps.
//
//   auto pub = xipc::broadcast::publisher::open_or_create("ticks", {.slot_count = 256});
//   auto sub = xipc::broadcast::subscriber::open("ticks");      // in each subscriber process
//   (void)pub.send(bytes, 100ms);
//   xipc::broadcast_received got = sub.receive(buffer, 1s);     // got.lost: messages it missed before this one
//   xipc::broadcast::remove("ticks");                           // when everyone is done
//
// A slow subscriber either holds the publisher back (slow_subscriber::wait,
// bounded by the publisher's deadline) or is overtaken
// (slow_subscriber::overtake): its next receive says how many messages it
// lost. Loss is never silent and a read is never torn: each slot carries a
// sequence stamp that the reader checks after copying. A subscriber whose
// process died is reclaimed and never blocks the publisher; a publisher that
// died is seen as errc::peer_closed once the subscribers have drained, and a
// new publisher takes over. docs/broadcast.md has the protocol.
//
// The memory-level classes (broadcast_publisher, broadcast_subscriber) work
// in any memory both sides map, as spsc_ring does; the broadcast class names
// a shared_memory region for them (name_kind::broadcast).
//
// Thread safety: a publisher and its subscribers may run on different
// threads and processes at once; each object is used by one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <system_error>
#include <utility>

#include <xipc/concepts.hpp>
#include <xipc/deadline.hpp>
#include <xipc/error.hpp>
#include <xipc/shared_memory.hpp>
#include <xipc/spsc_ring.hpp>
#include <xipc/detail/broadcast_layout.hpp>

namespace xipc {
namespace detail {
struct failure;
class readiness_point;
}

// What happens when the publisher laps a subscriber that has not read.
enum class slow_subscriber {
  overtake,  // the publisher goes on; the subscriber's next receive reports what it lost
  wait,      // the publisher waits (until its deadline) for the slowest live subscriber
};

struct broadcast_options {
  // Messages kept: a power of two, 2 to 2^20. A subscriber may fall this
  // many messages behind before it holds the publisher back or loses some.
  std::size_t slot_count = 256;
  // The largest message, 1 byte to 16 MiB. Every slot has room for one.
  std::size_t max_message_bytes = 1024;
  // Subscribers at once, 1 to 1024.
  std::size_t max_subscribers = 64;
  slow_subscriber policy = slow_subscriber::overtake;
};

// Bytes of memory a broadcast channel with `options` needs (0 if invalid).
std::size_t broadcast_memory_bytes(const broadcast_options& options) noexcept;

// Writes an empty channel into `memory`, which must be zero-filled, at least
// broadcast_memory_bytes(options) long and aligned to 128 (mmap'd memory is).
// errc::invalid_argument for bad options, size or alignment.
std::error_code format_broadcast(std::span<std::byte> memory, const broadcast_options& options) noexcept;

// A message received: its size, or why there is none; and how many messages
// this subscriber lost (overtaken) just before it.
struct broadcast_received : io_result {
  std::uint64_t lost = 0;
};

// A message read in place (broadcast_subscriber::peek): its bytes stay in
// their slot until release(); `lost` as for a receive.
struct broadcast_view {
  std::span<const std::byte> bytes;
  std::error_code error;
  std::uint64_t lost = 0;
  explicit operator bool() const noexcept { return !error; }
};

namespace detail {
// What each side copies out of the header at attach and trusts from then on.
struct broadcast_geometry {
  broadcast_layout* layout = nullptr;
  broadcast_subscriber_line* subscribers = nullptr;
  doorbell_slot* bells = nullptr;
  std::byte* slots = nullptr;
  std::uint64_t slot_count = 0;
  std::uint64_t slot_bytes = 0;
  std::uint64_t max_message = 0;
  std::uint64_t max_subscribers = 0;
  slow_subscriber policy = slow_subscriber::overtake;
  // The header says sleepers fence (broadcast_sleepers_fence), and this
  // process can run the heavy fence: its sleeps fence. One that cannot
  // sleeps for at most broadcast_unfenced_sleep at a time instead.
  bool sleepers_fence = false;
  bool cannot_fence = false;

  broadcast_slot_head& head(std::uint64_t sequence) const noexcept {
    return *reinterpret_cast<broadcast_slot_head*>(slots + (sequence & (slot_count - 1)) * slot_bytes);
  }
  std::byte* payload(std::uint64_t sequence) const noexcept {
    return slots + (sequence & (slot_count - 1)) * slot_bytes + broadcast_slot_head_bytes;
  }
};
bool read_broadcast_geometry(std::span<std::byte> memory, broadcast_geometry& geometry, failure& why);
}  // namespace detail

// The publishing end: one per channel at a time (a second is errc::busy
// while the first one's process lives; one that died is taken over).
class broadcast_publisher {
 public:
  broadcast_publisher() noexcept = default;
  broadcast_publisher(broadcast_publisher&& other) noexcept { *this = std::move(other); }
  broadcast_publisher& operator=(broadcast_publisher&& other) noexcept;
  broadcast_publisher(const broadcast_publisher&) = delete;
  broadcast_publisher& operator=(const broadcast_publisher&) = delete;
  ~broadcast_publisher() { detach(); }

  static broadcast_publisher attach(std::span<std::byte> memory, wait_policy policy = {});
  static broadcast_publisher attach(std::span<std::byte> memory, wait_policy policy, std::error_code& ec);

  // A slot to write a message of `size` bytes into, published by commit():
  // the zero-copy loan. errc::message_too_large above max_message_bytes();
  // under slow_subscriber::wait, errc::would_block (try_) or errc::timed_out
  // while the slowest live subscriber is slot_count messages behind.
  [[nodiscard]] write_slot try_prepare(std::size_t size) noexcept { return prepare(size, deadline::immediately()); }
  [[nodiscard]] write_slot prepare(std::size_t size, deadline until) noexcept;
  // Publishes the prepared message, cut to `size` bytes if given.
  // REQUIRES: a successful prepare since the last commit; size <= prepared size.
  void commit() noexcept { commit(prepared_size_); }
  void commit(std::size_t size) noexcept;

  // Copies `message` into the channel: the message_sender interface.
  [[nodiscard]] std::error_code try_send(std::span<const std::byte> message) noexcept {
    return send(message, deadline::immediately());
  }
  [[nodiscard]] std::error_code send(std::span<const std::byte> message, deadline until) noexcept;

  // Subscribers attached now (cpp-ipc's recv_count). One whose process died
  // counts until it is reclaimed, which wait_for_subscribers and a waiting
  // publisher do.
  std::size_t subscriber_count() const noexcept;
  // Waits until at least `count` subscribers are attached: errc::timed_out,
  // errc::would_block when immediate, errc::invalid_argument above max_subscribers.
  [[nodiscard]] std::error_code wait_for_subscribers(std::size_t count, deadline until) noexcept;

  // ---- Readiness, for event loops and wait_set (docs/event_loops.md) ----
  // Whether a send would not wait now: always under overtake; under wait,
  // when the slowest live subscriber leaves a slot free.
  [[nodiscard]] bool ready() noexcept;
  // The handle an event loop waits on for room; it fires only while armed.
  native_handle_type readiness_handle();
  native_handle_type readiness_handle(std::error_code& ec);
  // Announces a wait on the handle; false when no wait is needed (send now).
  [[nodiscard]] bool arm() noexcept;
  // Withdraws the announcement and clears the handle.
  void disarm(bool handle_fired = true) noexcept;

  // Detaches: subscribers see errc::peer_closed once they have drained.
  void detach() noexcept;

  bool is_attached() const noexcept { return geometry_.layout != nullptr; }
  std::size_t max_message_bytes() const noexcept { return static_cast<std::size_t>(geometry_.max_message); }
  std::size_t slot_count() const noexcept { return static_cast<std::size_t>(geometry_.slot_count); }
  slow_subscriber policy() const noexcept { return geometry_.policy; }
  // Messages published so far, by every publisher of this channel.
  std::uint64_t published() const noexcept { return next_; }

 private:
  static broadcast_publisher attach(std::span<std::byte> memory, wait_policy policy, detail::failure& why);
  friend class broadcast;
  // Whether sequence next_ may be written now (waiting policy), scanning
  // the subscribers again when the cached bound says no.
  bool room() noexcept;
  // The lowest cursor of a live subscriber, or next_ when there is none.
  std::uint64_t lowest_cursor() const noexcept;
  // Frees the places of subscribers whose processes ended; true if it freed one.
  bool reclaim_dead() noexcept;
  // Says, before waiting for room, which cursor wakes it: the one that frees `batch` slots.
  void want_room(std::uint64_t batch) noexcept;

  detail::broadcast_geometry geometry_;
  wait_policy policy_{};
  std::uint64_t next_ = 0;   // the sequence of the next message
  std::uint64_t bound_ = 0;  // under wait: sequences below it are known to be writable
  std::size_t prepared_size_ = 0;
  std::uint64_t token_ = 0;
  bool light_notify_ = false;  // subscribers' sleeps fence: look at them with a plain load
  detail::readiness_point* readiness_ = nullptr;  // made by the first readiness call
};

// A subscribing end: it receives every message published after it attached.
class broadcast_subscriber {
 public:
  broadcast_subscriber() noexcept = default;
  broadcast_subscriber(broadcast_subscriber&& other) noexcept { *this = std::move(other); }
  broadcast_subscriber& operator=(broadcast_subscriber&& other) noexcept;
  broadcast_subscriber(const broadcast_subscriber&) = delete;
  broadcast_subscriber& operator=(const broadcast_subscriber&) = delete;
  ~broadcast_subscriber() { detach(); }

  // Joins: errc::busy when all max_subscribers places are held by live subscribers.
  static broadcast_subscriber attach(std::span<std::byte> memory, wait_policy policy = {});
  static broadcast_subscriber attach(std::span<std::byte> memory, wait_policy policy, std::error_code& ec);

  // The next message, copied into `buffer`; `lost` says how many were
  // overtaken just before it. errc::would_block / errc::timed_out when
  // there is none; errc::peer_closed once the publisher detached or died and
  // everything it published was received; errc::message_too_large (with the
  // size) when `buffer` is too small, and the message stays; errc::corrupted
  // when the shared memory holds what no publisher writes.
  [[nodiscard]] broadcast_received try_receive(std::span<std::byte> buffer) noexcept {
    return receive(buffer, deadline::immediately());
  }
  [[nodiscard]] broadcast_received receive(std::span<std::byte> buffer, deadline until) noexcept;

  // The next message in place, not copied: the errors of receive (but never
  // message_too_large). Peeking again before release() gives the same one.
  // Under overtake, the publisher may write over it while it is held: what
  // release() says decides whether what was read can be used.
  [[nodiscard]] broadcast_view try_peek() noexcept { return peek(deadline::immediately()); }
  [[nodiscard]] broadcast_view peek(deadline until) noexcept;
  // Gives the peeked message back and moves to the next. True when its bytes
  // stayed whole all the while it was held (always, under wait); false when
  // the publisher overtook it meanwhile: what was read may be torn, and the
  // message counts as lost (reported with the next one). A receive releases
  // a held message first.
  [[nodiscard]] bool release() noexcept;

  // Messages lost to overtaking since attach.
  std::uint64_t lost() const noexcept { return lost_; }
  // Messages published that this subscriber has not received yet (lost ones included).
  std::uint64_t backlog() const noexcept;

  // ---- Readiness, for event loops and wait_set (docs/event_loops.md) ----
  // Whether a receive would not wait now: a message is there (or was
  // written over: receive reports the loss), or the publisher is gone.
  [[nodiscard]] bool ready() noexcept;
  // The handle an event loop waits on for messages; it fires only while
  // armed. Errors: what the OS says.
  native_handle_type readiness_handle();
  native_handle_type readiness_handle(std::error_code& ec);
  // Announces a wait on the handle. False when no wait is needed (ready(),
  // or the publisher's process ended): receive now.
  [[nodiscard]] bool arm() noexcept;
  // Withdraws the announcement and clears the handle.
  void disarm(bool handle_fired = true) noexcept;

  // Leaves: the publisher stops waiting for this subscriber.
  void detach() noexcept;

  bool is_attached() const noexcept { return geometry_.layout != nullptr; }
  std::size_t max_message_bytes() const noexcept { return static_cast<std::size_t>(geometry_.max_message); }

 private:
  static broadcast_subscriber attach(std::span<std::byte> memory, wait_policy policy, detail::failure& why);
  friend class broadcast;
  // One look, into `result`: a message (copied into `buffer`, or, `in_place`,
  // held where it is), would_block, peer_closed or corrupted.
  void take(broadcast_received& result, std::span<std::byte> buffer, bool in_place = false) noexcept;
  // Publishes cursor_ in this subscriber's place, waking a waiting publisher.
  void advance_cursor() noexcept;
  // Whether the publisher detached, or its process was seen dead by look_at_publisher.
  bool publisher_gone() const noexcept;
  void look_at_publisher() noexcept;

  detail::broadcast_geometry geometry_;
  detail::broadcast_subscriber_line* place_ = nullptr;
  wait_policy policy_{};
  std::uint64_t cursor_ = 0;
  std::uint64_t lost_ = 0;
  std::uint64_t pending_lost_ = 0;  // lost before the next message, reported with it
  std::uint64_t token_ = 0;
  std::uint64_t dead_owner_ = 0;  // a publisher token found dead
  bool light_notify_ = false;     // the publisher's sleeps fence: look at them with a plain load
  std::uint64_t held_stamp_ = 0;  // a peeked message's stamp, 0 when none is held
  std::size_t held_size_ = 0;
  detail::readiness_point* readiness_ = nullptr;  // made by the first readiness call
};

// A named broadcast channel: the memory-level ends over a shared_memory
// region of the broadcast name kind (a shared_memory of the same name is
// another object).
class broadcast {
 public:
  class publisher;
  class subscriber;

  // Removes the name; attached ends keep working. False if there was none.
  static bool remove(std::string_view name);
  static bool remove(std::string_view name, std::error_code& ec);

 private:
  static publisher open_publisher(std::string_view name, const broadcast_options& options, wait_policy policy,
                                  const shared_memory_options& memory_options, detail::failure& why);
  static subscriber open_subscriber(std::string_view name, wait_policy policy,
                                    const shared_memory_options& memory_options, detail::failure& why);
};

class broadcast::publisher {
 public:
  publisher() noexcept = default;
  publisher(publisher&&) noexcept = default;
  // The end goes first: it detaches while its memory is still mapped.
  publisher& operator=(publisher&& other) noexcept {
    end_ = std::move(other.end_);
    memory_ = std::move(other.memory_);
    return *this;
  }

  // Creates the channel, or opens it when it exists with the same options
  // (errc::invalid_argument names the difference). errc::busy while another
  // publisher is attached; takes over from a dead one. An existing channel is
  // trusted only under memory_options.perms, as shared_memory::open checks.
  static publisher open_or_create(std::string_view name, const broadcast_options& options = {},
                                  wait_policy policy = {}, const shared_memory_options& memory_options = {});
  static publisher open_or_create(std::string_view name, const broadcast_options& options, wait_policy policy,
                                  std::error_code& ec, const shared_memory_options& memory_options = {});

  [[nodiscard]] std::error_code send(std::span<const std::byte> message, deadline until) noexcept {
    return end_.send(message, until);
  }
  [[nodiscard]] std::error_code try_send(std::span<const std::byte> message) noexcept { return end_.try_send(message); }
  std::size_t subscriber_count() const noexcept { return end_.subscriber_count(); }
  [[nodiscard]] std::error_code wait_for_subscribers(std::size_t count, deadline until) noexcept {
    return end_.wait_for_subscribers(count, until);
  }
  [[nodiscard]] bool ready() noexcept { return end_.ready(); }
  native_handle_type readiness_handle() { return end_.readiness_handle(); }
  native_handle_type readiness_handle(std::error_code& ec) { return end_.readiness_handle(ec); }
  [[nodiscard]] bool arm() noexcept { return end_.arm(); }
  void disarm(bool handle_fired = true) noexcept { end_.disarm(handle_fired); }
  // The end itself, for the zero-copy loans.
  broadcast_publisher& end() noexcept { return end_; }
  bool is_open() const noexcept { return end_.is_attached(); }

 private:
  friend class broadcast;
  publisher(shared_memory memory, broadcast_publisher end) noexcept
      : memory_(std::move(memory)), end_(std::move(end)) {}
  shared_memory memory_;  // declared first: destroyed after the end detaches
  broadcast_publisher end_;
};

class broadcast::subscriber {
 public:
  subscriber() noexcept = default;
  subscriber(subscriber&&) noexcept = default;
  subscriber& operator=(subscriber&& other) noexcept {
    end_ = std::move(other.end_);
    memory_ = std::move(other.memory_);
    return *this;
  }

  // Joins the channel `name`: errc::not_found when it does not exist,
  // errc::busy when every subscriber place is taken.
  static subscriber open(std::string_view name, wait_policy policy = {},
                         const shared_memory_options& memory_options = {});
  static subscriber open(std::string_view name, wait_policy policy, std::error_code& ec,
                         const shared_memory_options& memory_options = {});

  [[nodiscard]] broadcast_received receive(std::span<std::byte> buffer, deadline until) noexcept {
    return end_.receive(buffer, until);
  }
  [[nodiscard]] broadcast_received try_receive(std::span<std::byte> buffer) noexcept {
    return end_.try_receive(buffer);
  }
  std::uint64_t lost() const noexcept { return end_.lost(); }
  [[nodiscard]] bool ready() noexcept { return end_.ready(); }
  native_handle_type readiness_handle() { return end_.readiness_handle(); }
  native_handle_type readiness_handle(std::error_code& ec) { return end_.readiness_handle(ec); }
  [[nodiscard]] bool arm() noexcept { return end_.arm(); }
  void disarm(bool handle_fired = true) noexcept { end_.disarm(handle_fired); }
  broadcast_subscriber& end() noexcept { return end_; }
  bool is_open() const noexcept { return end_.is_attached(); }

 private:
  friend class broadcast;
  subscriber(shared_memory memory, broadcast_subscriber end) noexcept
      : memory_(std::move(memory)), end_(std::move(end)) {}
  shared_memory memory_;
  broadcast_subscriber end_;
};

static_assert(message_sender<broadcast_publisher>);
static_assert(message_receiver<broadcast_subscriber>);

}  // namespace xipc
