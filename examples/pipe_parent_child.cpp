// The textbook's ordinary pipe: the parent writes "Greetings" into a pipe,
// the child reads it and prints it. The child sees the end of the stream
// only because the parent closes its write end, and because the parent's
// copy of the child's read end was closed when the child was spawned.
//
//   pipe_parent_child
#include <xipc/child_process.hpp>
#include <xipc/io.hpp>

#include <array>
#include <cstdio>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

namespace {

int child() {
  // The child's standard input is the pipe's read end.
  xipc::pipe_reader in(0);
  std::string text;
  std::array<std::byte, 64> buffer{};
  for (;;) {
    const auto got = in.read_some(buffer, xipc::deadline::forever());
    text.append(reinterpret_cast<const char*>(buffer.data()), got.bytes);
    if (got.error == xipc::errc::end_of_stream) break;
    if (got.error) {
      std::fprintf(stderr, "child: %s\n", got.error.message().c_str());
      return 1;
    }
  }
  in.release();  // standard input is not ours to close
  std::printf("child: read \"%s\", then end of stream\n", text.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) try {
  if (argc > 1 && std::string_view(argv[1]) == "child") return child();

  auto child = xipc::child_process::spawn(argv[0], std::vector<std::string>{"child"}, {.in = xipc::stdio::pipe()});
  const std::string_view greeting = "Greetings";
  if (const auto wrote = xipc::write_all(child.in(), std::as_bytes(std::span(greeting))); wrote.error) {
    throw std::system_error(wrote.error, "writing to the child");
  }
  std::printf("parent: wrote \"%.*s\" into the pipe, closing the write end\n", static_cast<int>(greeting.size()),
              greeting.data());
  std::fflush(stdout);  // before the child's line, when stdout is a pipe too
  child.in().close();
  xipc::exit_status status;
  if (const auto ec = child.wait(status)) throw std::system_error(ec, "waiting for the child");
  std::printf("parent: child %d exited with code %d\n", child.id(), status.code);
  return status.success() ? 0 : 1;
} catch (const std::exception& e) {
  std::fprintf(stderr, "pipe_parent_child: %s\n", e.what());
  return 1;
}
