#include "support/peer_process.hpp"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <stdexcept>
#include <thread>
#include <utility>

extern char** environ;

namespace xipc::test {
namespace {

constexpr std::string_view role_flag = "--xipc-role";

std::map<std::string, role_function, std::less<>>& roles() {
  static std::map<std::string, role_function, std::less<>> registry;
  return registry;
}

std::string self_path() {
  char buffer[4096];
  const ssize_t length = ::readlink("/proc/self/exe", buffer, sizeof buffer - 1);
  if (length <= 0) throw std::runtime_error("peer_process: cannot read /proc/self/exe");
  return std::string(buffer, static_cast<std::size_t>(length));
}

}  // namespace

role_registration::role_registration(const char* name, role_function body) { roles().emplace(name, body); }

std::optional<int> run_role_from_argv(int argc, char** argv) {
  if (argc < 3 || argv[1] != role_flag) return std::nullopt;
  const auto found = roles().find(std::string_view(argv[2]));
  if (found == roles().end()) {
    std::fprintf(stderr, "xipc-tests: unknown role %s\n", argv[2]);
    return 2;
  }
  return found->second(std::span<char* const>(argv + 3, static_cast<std::size_t>(argc - 3)));
}

peer_process peer_process::start(std::string_view role, std::vector<std::string> args,
                                 std::vector<inherited_handle> handles) {
  const std::string program = self_path();
  std::vector<std::string> words{program, std::string(role_flag), std::string(role)};
  words.insert(words.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& word : words) argv.push_back(word.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // dup2 onto the wanted number clears close-on-exec on the copy; everything else stays closed on exec.
  for (const auto& h : handles) posix_spawn_file_actions_adddup2(&actions, h.handle, h.as);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, program.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error(std::string("peer_process: posix_spawn failed: ") + std::strerror(rc));
  return peer_process(pid);
}

peer_process::peer_process(peer_process&& other) noexcept : pid_(std::exchange(other.pid_, -1)) {}

peer_process::~peer_process() {
  if (pid_ > 0) {
    kill();
    wait(std::chrono::seconds(10));
  }
}

std::optional<int> peer_process::wait(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return std::nullopt;
  const auto give_up = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t done = ::waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      pid_ = -1;
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      return 128 + WTERMSIG(status);
    }
    if (done < 0 && errno != EINTR) return std::nullopt;
    if (std::chrono::steady_clock::now() >= give_up) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

void peer_process::kill() {
  if (pid_ > 0) ::kill(pid_, SIGKILL);
}

}  // namespace xipc::test
