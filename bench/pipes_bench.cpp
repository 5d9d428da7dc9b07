// Pipes, FIFOs and named pipes between two processes, each through xipc and
// through the raw system calls on the very same descriptors, so that the
// difference is xipc's own cost: pipe/… next to raw_pipe/…, and so on.
#include <benchmark/benchmark.h>
#include <xipc/detail/config.hpp>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>
#include <xipc/fifo.hpp>
#include <xipc/io.hpp>
#include <xipc/named_pipe.hpp>
#include <xipc/pipe.hpp>
#include <xipc/sigpipe.hpp>

#include <csignal>

#include "message_pair.hpp"
#include "process_pair.hpp"

namespace {

using xipc::deadline;
using xipc::bench::connection;
using xipc::bench::raw_read_exact;
using xipc::bench::raw_write_all;
using xipc::bench::side;

enum class api { raw, xipc };

// The raw baselines use blocking descriptors, as plain read/write code does;
// each end is its own open file, so this leaves xipc's ends as they are.
void make_blocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK); }

// A side over a readable and a writable byte stream (two pipes or FIFOs, or one socket).
template <class Source, class Sink>
side stream_side(api how, Source& in, Sink& out) {
  if (how == api::raw) {
    make_blocking(in.native_handle());
    make_blocking(out.native_handle());
    return {[fd = out.native_handle()](std::span<const std::byte> data) { return raw_write_all(fd, data); },
            [fd = in.native_handle()](std::span<std::byte> buffer) { return raw_read_exact(fd, buffer); },
            [&out] { out.close(); }};
  }
  return {[&out](std::span<const std::byte> data) { return !xipc::write_all(out, data).error; },
          [&in](std::span<std::byte> buffer) { return !xipc::read_exact(in, buffer).error; },
          [&out] { out.close(); }};
}

connection pipes(api how) {
  struct objects {
    xipc::pipe_ends down = xipc::make_pipe();
    xipc::pipe_ends up = xipc::make_pipe();
  };
  auto keep = std::make_shared<objects>();
  return {stream_side(how, keep->up.reader, keep->down.writer), stream_side(how, keep->down.reader, keep->up.writer), keep,
          [keep] {
            keep->up.reader.close();
            keep->down.writer.close();
          },
          [keep] {
            keep->down.reader.close();
            keep->up.writer.close();
          }};
}

connection fifos(api how) {
  struct objects {
    std::string down_path, up_path;
    xipc::fifo_reader down_reader, up_reader;
    xipc::fifo_writer down_writer, up_writer;
    ~objects() {
      std::error_code ignored;
      xipc::fifo::remove(down_path, ignored);
      xipc::fifo::remove(up_path, ignored);
    }
  };
  auto keep = std::make_shared<objects>();
  const auto base = std::filesystem::temp_directory_path() / ("xb" + std::to_string(::getpid()));
  keep->down_path = base.string() + ".down";
  keep->up_path = base.string() + ".up";
  xipc::fifo::create(keep->down_path);
  xipc::fifo::create(keep->up_path);
  keep->down_reader = xipc::fifo::open_reader(keep->down_path);
  keep->up_reader = xipc::fifo::open_reader(keep->up_path);
  keep->down_writer = xipc::fifo::open_writer(keep->down_path, deadline::immediately());
  keep->up_writer = xipc::fifo::open_writer(keep->up_path, deadline::immediately());
  return {stream_side(how, keep->up_reader, keep->down_writer), stream_side(how, keep->down_reader, keep->up_writer),
          keep,
          [keep] {
            keep->up_reader.close();
            keep->down_writer.close();
          },
          [keep] {
            keep->down_reader.close();
            keep->up_writer.close();
          }};
}

// One full-duplex connection: the parent uses the client's end, the child the server's.
// Message mode agrees on `max_message_bytes`, 0 for the message size itself.
connection named_pipes(api how, xipc::pipe_mode mode, std::size_t size, std::size_t max_message_bytes = 0) {
  if (how == api::raw && mode == xipc::pipe_mode::message && !XIPC_HAS_SEQPACKET) {
    throw xipc::bench::unsupported("this system's AF_UNIX has no seqpacket sockets (message mode is framed over a "
                                   "stream there: docs/macos.md)");
  }
  struct objects {
    xipc::named_pipe_server server;
    xipc::named_pipe client;
    xipc::named_pipe served;
  };
  auto keep = std::make_shared<objects>();
  const std::string name = "xb" + std::to_string(::getpid()) + ".bench";
  const xipc::named_pipe_options options{.mode = mode,
                                         .max_message_bytes = max_message_bytes != 0 ? max_message_bytes : size};
  keep->server = xipc::named_pipe_server::create(name, options);
  keep->client = xipc::named_pipe::connect(name, options);
  static_cast<void>(keep->server.accept(keep->served));
  if (mode == xipc::pipe_mode::message) xipc::bench::check_datagram_fits(keep->client.native_handle(), size);
  const auto make_side = [how, mode](xipc::named_pipe& end) -> side {
    if (mode == xipc::pipe_mode::byte) return stream_side(how, end, end);
    const auto finish = [&end] { end.close(); };
    if (how == api::raw) {
      const int fd = end.native_handle();
      make_blocking(fd);
      return {[fd](std::span<const std::byte> m) { return ::send(fd, m.data(), m.size(), MSG_NOSIGNAL) >= 0; },
              [fd](std::span<std::byte> buffer) { return ::recv(fd, buffer.data(), buffer.size(), 0) > 0; }, finish};
    }
    return {[&end](std::span<const std::byte> m) { return !end.send(m, deadline::forever()); },
            [&end](std::span<std::byte> buffer) { return !end.receive(buffer, deadline::forever()).error; }, finish};
  };
  return {make_side(keep->client), make_side(keep->served), keep, [keep] { keep->client.close(); },
          [keep] { keep->served.close(); }};
}

// The same connection in a process that ignores SIGPIPE and says so
// (sigpipe_guard::process_ignores): pipe and FIFO writes go straight to
// write(2). The forked child inherits both; the parent restores both when
// the connection goes.
connection ignoring_sigpipe(connection made) {
  struct ignoring {
    std::shared_ptr<void> objects;
    void (*old_handler)(int) = std::signal(SIGPIPE, SIG_IGN);
    ignoring(std::shared_ptr<void> kept) : objects(std::move(kept)) {
      xipc::set_sigpipe_guard(xipc::sigpipe_guard::process_ignores);
    }
    ignoring(const ignoring&) = delete;
    ignoring& operator=(const ignoring&) = delete;
    ~ignoring() {
      objects.reset();
      xipc::set_sigpipe_guard(xipc::sigpipe_guard::mask);
      std::signal(SIGPIPE, old_handler);
    }
  };
  made.keep = std::make_shared<ignoring>(std::move(made.keep));
  return made;
}

using link_factory = std::function<connection(api, std::size_t)>;
const link_factory pipe_link = [](api how, std::size_t) { return pipes(how); };
const link_factory fifo_link = [](api how, std::size_t) { return fifos(how); };
const link_factory byte_link = [](api how, std::size_t size) { return named_pipes(how, xipc::pipe_mode::byte, size); };
// Message mode with the message size as the agreed maximum: each receive's
// buffer is the maximum, so it takes the message in one call, as raw recv does.
const link_factory message_link = [](api how, std::size_t size) {
  return named_pipes(how, xipc::pipe_mode::message, size);
};
// With a 1 MiB maximum, every receive into a smaller buffer peeks at the
// size first, so that a larger message stays queued: two calls.
const link_factory message_peek_link = [](api how, std::size_t size) {
  return named_pipes(how, xipc::pipe_mode::message, size, std::size_t{1} << 20);
};

void register_pair(const char* name, const char* raw_name, const link_factory* link) {
  for (const auto& [label, how] : {std::pair{name, api::xipc}, std::pair{raw_name, api::raw}}) {
    xipc::bench::register_message_pair(label, [link, how = how](std::size_t size) { return (*link)(how, size); });
  }
}

[[maybe_unused]] const bool registered = [] {
  register_pair("pipe", "raw_pipe", &pipe_link);
  register_pair("fifo", "raw_fifo", &fifo_link);
  register_pair("named_pipe_byte", "raw_unix_stream", &byte_link);
  register_pair("named_pipe_msg", "raw_unix_seqpacket", &message_link);
  xipc::bench::register_message_pair("named_pipe_msg_peek",
                                     [](std::size_t size) { return message_peek_link(api::xipc, size); });
  xipc::bench::register_message_pair("pipe_sigign", [](std::size_t) { return ignoring_sigpipe(pipes(api::xipc)); });
  xipc::bench::register_message_pair("fifo_sigign", [](std::size_t) { return ignoring_sigpipe(fifos(api::xipc)); });
  return true;
}();

}  // namespace
