#include "support/peer_process.hpp"

#include "support/handles.hpp"

#include <xipc/detail/config.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <stdexcept>
#include <thread>
#include <utility>

#if XIPC_OS_WINDOWS
#include <windows.h>

#include "core/setup_error.hpp"
#include "win32/process_spawn.hpp"
#else
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;
#endif

namespace xipc::test {
namespace {

constexpr std::string_view role_flag = "--xipc-role";

std::map<std::string, role_function, std::less<>>& roles() {
  static std::map<std::string, role_function, std::less<>> registry;
  return registry;
}

#if XIPC_OS_WINDOWS
// "as=value;as=value": the handles a Windows peer inherited, by number.
constexpr const char* handles_variable = "XIPC_TEST_HANDLES";
#endif

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

peer_process::peer_process(peer_process&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), process_(std::exchange(other.process_, invalid_native_handle)) {}

peer_process::~peer_process() {
  if (pid_ > 0) {
    kill();
    wait(std::chrono::seconds(10));
  }
}

#if XIPC_OS_WINDOWS

bool running_under_wine() {
  const HMODULE ntdll = ::GetModuleHandleW(L"ntdll.dll");
  return ntdll != nullptr && ::GetProcAddress(ntdll, "wine_get_version") != nullptr;
}

void die_abruptly() {
  ::TerminateProcess(::GetCurrentProcess(), killed_exit_code);
  std::abort();  // not reached
}

native_handle_type handle_from_parent(int as) {
  const char* list = std::getenv(handles_variable);
  const std::string wanted = std::to_string(as) + "=";
  for (const char* entry = list; entry != nullptr && *entry != '\0';) {
    if (std::strncmp(entry, wanted.c_str(), wanted.size()) == 0) {
      return reinterpret_cast<native_handle_type>(std::strtoull(entry + wanted.size(), nullptr, 16));
    }
    entry = std::strchr(entry, ';');
    if (entry != nullptr) ++entry;
  }
  throw std::runtime_error("peer_process: no handle " + std::to_string(as) + " from the parent");
}

peer_process peer_process::start(std::string_view role, std::vector<std::string> args,
                                 std::vector<inherited_handle> handles) {
  const std::string program = test_binary_path();
  std::vector<std::string> words{std::string(role_flag), std::string(role)};
  words.insert(words.end(), args.begin(), args.end());
  std::string listed;
  std::vector<native_handle_type> inherited;
  for (const auto& h : handles) {
    inherited.push_back(h.handle);
    // Hexadecimal, as handle_from_parent reads it.
    char entry[64];
    std::snprintf(entry, sizeof entry, "%d=%llx;", h.as,
                  static_cast<unsigned long long>(reinterpret_cast<std::uintptr_t>(h.handle)));
    listed += entry;
  }
  const std::pair<std::string, std::string> environment[] = {{handles_variable, listed}};
  detail::spawn_request request;
  request.program = program;
  request.args = words;
  request.standard = {::GetStdHandle(STD_INPUT_HANDLE), ::GetStdHandle(STD_OUTPUT_HANDLE),
                      ::GetStdHandle(STD_ERROR_HANDLE)};
  request.inherited = inherited;
  request.environment = environment;
  detail::failure why;
  detail::spawned started = detail::spawn_process(request, why);
  if (why) throw std::runtime_error("peer_process: " + why.call + ": " + why.detail);
  return peer_process(static_cast<int>(started.id), started.process.release());
}

std::optional<int> peer_process::wait(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return std::nullopt;
  if (::WaitForSingleObject(process_, static_cast<DWORD>(timeout.count())) != WAIT_OBJECT_0) return std::nullopt;
  DWORD code = 0;
  ::GetExitCodeProcess(process_, &code);
  ::CloseHandle(process_);
  process_ = invalid_native_handle;
  pid_ = -1;
  return static_cast<int>(code);
}

void peer_process::kill() {
  if (pid_ > 0) ::TerminateProcess(process_, killed_exit_code);
}

#else

bool running_under_wine() { return false; }

void die_abruptly() {
  ::kill(::getpid(), SIGKILL);
  std::abort();  // not reached
}

native_handle_type handle_from_parent(int as) { return as; }

peer_process peer_process::start(std::string_view role, std::vector<std::string> args,
                                 std::vector<inherited_handle> handles) {
  const std::string program = test_binary_path();
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
  return peer_process(pid, invalid_native_handle);
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

#endif

}  // namespace xipc::test
