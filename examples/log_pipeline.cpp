// The fast log pipeline: N producer processes send small log messages over a
// Unix-domain datagram socket; a local agent, waiting on that socket (and,
// when the ring is full, on the ring's room) through a wait_set, receives
// each datagram straight into a shared-memory ring slot, with no second
// copy; an aggregator process takes them from the ring and writes them to a
// file in batches, pwritev then fdatasync, and measures each message's
// latency from its send until it is durable. Run once per batch size, it
// shows the trade-off: a syscall pair per batch, amortized by larger
// batches, against the time a message waits for its batch to fill.
//
//   log_pipeline [PRODUCERS] [MESSAGES_PER_PRODUCER]      (default 4 and 5000)
//
// The roles are this program again: log_pipeline produce|aggregate ...
#include <xipc/child_process.hpp>
#include <xipc/ring_channel.hpp>
#include <xipc/sockets.hpp>
#include <xipc/wait_set.hpp>

#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <thread>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;
using namespace std::chrono_literals;

// What leads every log message.
struct log_header {
  std::uint32_t producer;
  std::uint32_t sequence;
  std::int64_t sent_ns;  // steady_clock, the same on every process of the host
};
constexpr std::size_t max_log_bytes = 256;

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now().time_since_epoch()).count();
}

// A producer: `count` messages of about 80 bytes, as fast as the socket takes them.
int produce(const std::string& where, std::uint32_t id, std::uint32_t count) {
  auto socket = xipc::local_datagram::connect(xipc::endpoint::parse(where));
  char message[max_log_bytes];
  for (std::uint32_t sequence = 0; sequence < count; ++sequence) {
    const log_header header{id, sequence, now_ns()};
    std::memcpy(message, &header, sizeof header);
    const int text = std::snprintf(message + sizeof header, sizeof message - sizeof header,
                                   "producer %u: request %u served in %u us\n", id, sequence, sequence % 997);
    const auto bytes = std::as_bytes(std::span(message, sizeof header + static_cast<std::size_t>(text)));
    if (auto error = socket.send(bytes, 10s)) throw std::system_error(error, "sending a log message");
  }
  return 0;
}

// The aggregator: batches of `batch` messages, each written with one pwritev
// and made durable with one fdatasync; then latency and throughput.
int aggregate(const std::string& ring, const std::string& path, std::size_t batch, std::size_t producers) {
  xipc::ring_channel::receiver rx;
  for (int attempt = 0;; ++attempt) {
    std::error_code ec;
    rx = xipc::ring_channel::receiver::open(ring, {}, ec);
    if (!ec) break;
    if (ec != xipc::errc::not_found || attempt == 500) throw std::system_error(ec, "opening the ring");
    std::this_thread::sleep_for(10ms);
  }
  const int file = ::open(path.c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0600);
  if (file < 0) throw std::system_error(errno, std::generic_category(), "opening " + path);
  std::vector<char> arena(batch * max_log_bytes);
  std::vector<iovec> pieces(batch);
  std::vector<std::int64_t> sent(batch);
  std::vector<double> latency_us;
  std::vector<std::uint32_t> next_sequence(producers, 0);
  std::size_t in_batch = 0, messages = 0, syncs = 0, out_of_order = 0;
  off_t offset = 0;
  clock_type::time_point first{};
  const auto flush = [&] {
    if (in_batch == 0) return;
    const ssize_t wrote = ::pwritev(file, pieces.data(), static_cast<int>(in_batch), offset);
    if (wrote < 0 || ::fdatasync(file) != 0) throw std::system_error(errno, std::generic_category(), "writing the log");
    offset += wrote;
    ++syncs;
    const std::int64_t durable = now_ns();
    for (std::size_t i = 0; i < in_batch; ++i) latency_us.push_back(static_cast<double>(durable - sent[i]) / 1000.0);
    in_batch = 0;
  };
  for (;;) {
    const auto slot = rx.consumer().peek(xipc::deadline::after(10s));
    if (slot.error == xipc::errc::peer_closed) break;  // the agent is done: write what is left
    if (slot.error) throw std::system_error(slot.error, "taking from the ring");
    if (messages == 0) first = clock_type::now();
    log_header header;
    if (slot.bytes.size() < sizeof header) throw std::runtime_error("a log message shorter than its header");
    std::memcpy(&header, slot.bytes.data(), sizeof header);
    if (header.producer >= producers || header.sequence != next_sequence[header.producer]++) ++out_of_order;
    const std::size_t text = slot.bytes.size() - sizeof header;
    char* place = arena.data() + in_batch * max_log_bytes;
    std::memcpy(place, slot.bytes.data() + sizeof header, text);
    rx.consumer().release();
    pieces[in_batch] = {place, text};
    sent[in_batch] = header.sent_ns;
    ++messages;
    if (++in_batch == batch) flush();
  }
  flush();
  const double seconds = std::chrono::duration<double>(clock_type::now() - first).count();
  ::close(file);
  ::unlink(path.c_str());
  std::sort(latency_us.begin(), latency_us.end());
  const auto percentile = [&](double p) {
    return latency_us.empty() ? 0.0 : latency_us[static_cast<std::size_t>(p * static_cast<double>(latency_us.size() - 1))];
  };
  std::printf("%8zu %10zu %9zu %12.0f %12.0f %12.0f %10zu\n", batch, messages, syncs,
              static_cast<double>(messages) / seconds, percentile(0.5), percentile(0.99), out_of_order);
  return out_of_order == 0 ? 0 : 1;
}

// The agent (this process): datagrams into ring slots, for one batch size.
void run_once(const std::string& self, std::size_t producers, std::uint32_t per_producer, std::size_t batch) {
  const std::string tag = std::to_string(::getpid());
  const std::string where = "unix:@xipc-example-log-" + tag;
  const std::string ring = "xipc-example-log-" + tag;
  auto socket = xipc::local_datagram::bind(xipc::endpoint::parse(where));
  auto tx = xipc::ring_channel::sender::open_or_create(ring, {.capacity_bytes = 1 << 20, .max_message_bytes = 4096});
  const std::string path = "/tmp/xipc-example-log-" + tag + ".log";
  std::vector<xipc::child_process> children;
  children.push_back(xipc::child_process::spawn(
      self, std::vector<std::string>{"aggregate", ring, path, std::to_string(batch), std::to_string(producers)}));
  for (std::size_t id = 0; id < producers; ++id) {
    children.push_back(xipc::child_process::spawn(
        self, std::vector<std::string>{"produce", where, std::to_string(id), std::to_string(per_producer)}));
  }

  // Waits on the socket while the ring has room, on the ring's room while it has none.
  xipc::wait_set set;
  const std::size_t total = producers * per_producer;
  std::size_t moved = 0;
  auto waiting_on = set.add_readable(socket.native_handle());
  bool waiting_for_room = false;
  std::vector<xipc::wait_set::key> ready;
  while (moved < total) {
    for (;;) {
      const auto slot = tx.producer().try_prepare(max_log_bytes);
      if (!slot) {
        if (slot.error != xipc::errc::would_block) throw std::system_error(slot.error, "the ring");
        if (!waiting_for_room) {  // full: wait for the aggregator instead of the socket
          set.remove(waiting_on);
          waiting_on = set.add(tx.producer());
          waiting_for_room = true;
        }
        break;
      }
      if (waiting_for_room) {
        set.remove(waiting_on);
        waiting_on = set.add_readable(socket.native_handle());
        waiting_for_room = false;
      }
      // The datagram lands in the ring slot itself: the agent copies nothing.
      const auto got = socket.try_receive(slot.bytes);
      if (got.error == xipc::errc::would_block) break;  // the slot is prepared again next time
      if (got.error) throw std::system_error(got.error, "receiving a log message");
      tx.producer().commit(got.bytes);
      if (++moved == total) break;
    }
    if (moved == total) break;
    if (auto error = set.wait(ready, xipc::deadline::after(10s))) throw std::system_error(error, "waiting for logs");
  }
  tx = {};  // detaches: the aggregator writes its last batch and ends
  xipc::ring_channel::remove(ring);
  for (auto& child : children) {
    xipc::exit_status status;
    if (child.wait(status, xipc::deadline::after(60s)) || !status.success()) throw std::runtime_error("a role failed");
  }
}

}  // namespace

int main(int argc, char** argv) try {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "produce" && argc == 5) {
    return produce(argv[2], static_cast<std::uint32_t>(std::atol(argv[3])), static_cast<std::uint32_t>(std::atol(argv[4])));
  }
  if (mode == "aggregate" && argc == 6) {
    return aggregate(argv[2], argv[3], static_cast<std::size_t>(std::atol(argv[4])), static_cast<std::size_t>(std::atol(argv[5])));
  }
  const std::size_t producers = argc > 1 ? static_cast<std::size_t>(std::atol(argv[1])) : 4;
  const auto per_producer = static_cast<std::uint32_t>(argc > 2 ? std::atol(argv[2]) : 5000);
  std::printf("log_pipeline: %zu producers x %u messages; latency is from send until fdatasync returned\n", producers,
              per_producer);
  std::printf("%8s %10s %9s %12s %12s %12s %10s\n", "batch", "messages", "fdatasync", "messages/s", "p50 us",
              "p99 us", "disorder");
  std::fflush(stdout);
  for (const std::size_t batch : {1, 16, 256}) run_once(argv[0], producers, per_producer, batch);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "log_pipeline: %s\n", e.what());
  return 1;
}
