// Waiting on many xipc objects at once from one thread: ring ends, ring
// channel ends, mailboxes (either direction) and, on POSIX, any descriptor
// (a socket, pipe or FIFO). wait() returns the keys of the members that are
// ready, spinning briefly first as the ring's adaptive mode does, then
// sleeping on their readiness handles (xipc/readiness.hpp).
//
//   xipc::wait_set set;
//   const auto jobs = set.add(jobs_rx);                         // a ring_channel::receiver
//   const auto mail = set.add(box, xipc::ready_for::receive);   // a mailbox
//   set.add_readable(client.native_handle());                   // a socket (POSIX)
//   std::vector<xipc::wait_set::key> ready;
//   while (!set.wait(ready, xipc::deadline::after(1s))) {
//     for (const auto key : ready) {                            // receive until would_block
//       if (key == jobs) static_cast<void>(jobs_rx.try_receive(buffer));
//       if (key == mail) static_cast<void>(box.try_receive(buffer));
//     }
//   }
//
// A member is ready when its operation would not wait: a message is
// waiting, there is room, or the peer is gone (the operation then says
// errc::peer_closed). A peer's process that dies is noticed within the
// liveness interval (20 ms): the set's sleeps end that often to look.
// Members stay where they are while they belong to the set; a member's
// readiness calls are the set's while it waits.
//
// Thread safety: one thread at a time uses a wait_set.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <span>
#include <system_error>
#include <vector>

#include <xipc/deadline.hpp>
#include <xipc/mailbox.hpp>
#include <xipc/native_handle.hpp>
#include <xipc/readiness.hpp>
#include <xipc/spsc_ring.hpp>

namespace xipc {
namespace detail {
struct failure;
}

class wait_set {
 public:
  using key = std::size_t;

  // `policy`: spin (never sleep: lowest latency, one core busy), block
  // (sleep at once) or adaptive (spin for spin_budget, then sleep).
  explicit wait_set(wait_policy policy = {});
  wait_set(wait_set&&) noexcept;
  wait_set& operator=(wait_set&&) noexcept;
  ~wait_set();

  // Adds a ring end or ring_channel end; makes its readiness handle.
  // Errors: what readiness_handle() reports.
  template <readiness_source Source>
  key add(Source& source) {
    return add_member(member_of(source));
  }
  template <readiness_source Source>
  key add(Source& source, std::error_code& ec) {
    return add_member(member_of(source), ec);
  }
  // Adds a mailbox, for receiving or for sending.
  key add(mailbox& box, ready_for what);
  key add(mailbox& box, ready_for what, std::error_code& ec);
  // Adds a descriptor, ready when readable or writable (POSIX; on Windows
  // errc::not_supported: its pipes and sockets have no such handle here).
  key add_readable(native_handle_type handle);
  key add_readable(native_handle_type handle, std::error_code& ec);
  key add_writable(native_handle_type handle);
  key add_writable(native_handle_type handle, std::error_code& ec);

  // Takes the member out; its key is not given again. False if there was none.
  bool remove(key member) noexcept;
  std::size_t size() const noexcept;

  // Fills `ready` with the keys of the members that are ready (at least
  // one), waiting until `until`: errc::timed_out (errc::would_block for
  // deadline::immediately()) when none became ready, errc::invalid_argument
  // when the set is empty.
  [[nodiscard]] std::error_code wait(std::vector<key>& ready, deadline until);

 private:
  // One member, its type erased: the four readiness calls of its object.
  struct member {
    void* object = nullptr;
    ready_for what = ready_for::receive;
    bool (*ready)(void*, ready_for) = nullptr;  // null for a plain descriptor
    bool (*arm)(void*, ready_for) = nullptr;
    void (*disarm)(void*, ready_for, bool) = nullptr;
    native_handle_type (*handle)(void*, ready_for, std::error_code&) = nullptr;
    native_handle_type descriptor = invalid_native_handle;
    bool writable = false;  // a plain descriptor: waited on for writing
  };

  template <class Source>
  static member member_of(Source& source) noexcept {
    member made;
    made.object = &source;
    made.ready = [](void* object, ready_for) { return static_cast<Source*>(object)->ready(); };
    made.arm = [](void* object, ready_for) { return static_cast<Source*>(object)->arm(); };
    made.disarm = [](void* object, ready_for, bool fired) { static_cast<Source*>(object)->disarm(fired); };
    made.handle = [](void* object, ready_for, std::error_code& ec) {
      return static_cast<Source*>(object)->readiness_handle(ec);
    };
    return made;
  }
  key add_member(member made);
  key add_member(member made, std::error_code& ec);
  key add_member(member made, detail::failure& why);

  struct state;
  std::unique_ptr<state> state_;
};

}  // namespace xipc
