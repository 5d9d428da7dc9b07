// One thread serves two rings, a mailbox and a TCP connection with a plain
// epoll loop: xipc's readiness handles sit in the epoll set beside the socket.
// Run event_loop_feeder against it.
//
//   epoll_event_loop PORT
//
// The loop: drain each source, arm it (arm() false: something came
// meanwhile, look again without sleeping), sleep in epoll_wait, disarm
// what fired. docs/event_loops.md explains each step.
#include <xipc/io.hpp>
#include <xipc/sockets.hpp>

#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <exception>

#include "event_loop_example.hpp"

namespace example = event_loop_example;

int main(int argc, char** argv) try {
  if (argc != 2) {
    std::fprintf(stderr, "usage: epoll_event_loop PORT\n");
    return 2;
  }
  example::served_objects served(argv[1]);
  auto& [mail, tcp, rings] = served;

  example::tally tallies[4] = {{"ring a"}, {"ring b"}, {"mailbox"}, {"tcp"}};
  const xipc::native_handle_type handles[4] = {rings[0].readiness_handle(), rings[1].readiness_handle(),
                                               mail.readiness_handle(xipc::ready_for::receive), tcp.native_handle()};
  const int poller = ::epoll_create1(EPOLL_CLOEXEC);
  for (std::uint32_t i = 0; i < 4; ++i) {
    epoll_event event{};
    event.events = EPOLLIN;  // level-triggered: a handle armed and rung stays readable until disarmed
    event.data.u32 = i;
    if (::epoll_ctl(poller, EPOLL_CTL_ADD, handles[i], &event) != 0) throw std::runtime_error("epoll_ctl");
  }
  const auto finish = [&](std::uint32_t i) {
    tallies[i].done = true;
    ::epoll_ctl(poller, EPOLL_CTL_DEL, handles[i], nullptr);
  };

  std::array<std::byte, 512> buffer{};
  unsigned long sleeps = 0;
  for (;;) {
    bool look_again = false;
    for (std::uint32_t i = 0; i < 2; ++i) {
      if (tallies[i].done) continue;
      for (;;) {
        const auto got = rings[i].try_receive(buffer);
        if (got.error == xipc::errc::would_block) break;
        if (got.error) {  // peer_closed: the feeder is done with it
          finish(i);
          break;
        }
        ++tallies[i].messages;
        tallies[i].bytes += got.bytes;
      }
      if (!tallies[i].done && !rings[i].arm()) look_again = true;
    }
    if (!tallies[2].done) {
      for (;;) {
        const auto got = mail.try_receive(buffer);
        if (got.error) break;
        if (std::string_view(reinterpret_cast<const char*>(buffer.data()), got.bytes) == example::end_of_mail) {
          finish(2);
          break;
        }
        ++tallies[2].messages;
        tallies[2].bytes += got.bytes;
      }
      if (!tallies[2].done && !mail.arm(xipc::ready_for::receive)) look_again = true;
    }
    if (tallies[0].done && tallies[1].done && tallies[2].done && tallies[3].done) break;

    std::array<epoll_event, 4> fired{};
    const int count = ::epoll_wait(poller, fired.data(), 4, look_again ? 0 : 10'000);
    if (count == 0 && !look_again) throw std::runtime_error("nothing arrived for 10 s");
    sleeps += look_again ? 0 : 1;
    for (int k = 0; k < count; ++k) {
      const std::uint32_t i = fired[k].data.u32;
      if (i < 2) rings[i].disarm();
      if (i == 2) mail.disarm(xipc::ready_for::receive);
      if (i != 3) continue;
      for (;;) {  // the socket: read what is there
        const auto got = tcp.read_some(buffer, xipc::deadline::immediately());
        if (got.error == xipc::errc::would_block) break;
        if (got.error) {  // end_of_stream
          finish(3);
          break;
        }
        tallies[3].bytes += got.bytes;
        tallies[3].messages += static_cast<unsigned long>(std::count(buffer.begin(), buffer.begin() + got.bytes, std::byte{'\n'}));
      }
    }
  }
  ::close(poller);
  for (const auto& t : tallies) t.print("epoll_event_loop");
  std::printf("epoll_event_loop: one thread, %lu sleeps in epoll_wait\n", sleeps);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "epoll_event_loop: %s\n", e.what());
  return 1;
}
