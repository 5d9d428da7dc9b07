// Readiness: waiting for many xipc objects from one thread, in an event loop
// of the user's (epoll, kqueue, Boost.Asio, libuv) or in xipc::wait_set.
// Every ring end, ring_channel end and mailbox offers the same four calls:
//
//   ready()             whether the operation would not wait now (no call)
//   readiness_handle()  a handle the event loop waits on: a descriptor that
//                       turns readable (POSIX) or an event HANDLE that turns
//                       signaled (Windows); made on first use
//   arm()               announces a wait on the handle; false means "do not
//                       wait, the operation can go on now"
//   disarm()            withdraws the announcement and clears the handle
//                       (disarm(false) when the loop saw the handle not
//                       ready: no clearing call unless it was rung)
//
//   for (;;) {
//     while (rx.try_receive(buffer)) handle(buffer);    // drain
//     if (!rx.arm()) continue;                          // something came meanwhile
//     wait until rx.readiness_handle() is readable;     // epoll, Asio, libuv...
//     rx.disarm();
//   }
//
// The handle fires only while armed, and the other side signals it only then:
// with nobody armed, sending and receiving make no system call. docs/event_loops.md
// has the protocol, why no wake-up is lost, and the Asio, libuv and epoll recipes.
//
// Thread safety: the readiness calls of one object (one direction of a
// mailbox) are made from one thread at a time.
#pragma once

#include <concepts>
#include <cstdint>
#include <system_error>

#include <xipc/native_handle.hpp>

namespace xipc {

// Which operation a mailbox's readiness is about.
enum class ready_for : std::uint8_t {
  receive,  // a message is waiting (or the mailbox closed)
  send,     // there is room (or the mailbox closed)
};

// An object with one readiness: the ends of a ring or ring_channel.
template <class T>
concept readiness_source = requires(T& object, std::error_code& ec) {
  { object.ready() } -> std::same_as<bool>;
  { object.readiness_handle(ec) } -> std::same_as<native_handle_type>;
  { object.arm() } -> std::same_as<bool>;
  object.disarm(false);
};

}  // namespace xipc
