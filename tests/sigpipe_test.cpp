#include <xipc/sigpipe.hpp>

#include <gtest/gtest.h>
#include <xipc/pipe.hpp>

#include <array>
#include <optional>
#include <cstring>
#include <string>
#include <string_view>

#include "support/peer_process.hpp"

#if !defined(_WIN32)
#include <signal.h>
#endif

namespace {

using xipc::errc;
using xipc::sigpipe_guard;
using xipc::test::peer_process;

#if !defined(_WIN32)

// Exit codes of the role below, each a check that failed.
constexpr int refused_wrongly = 10, not_refused = 11, wrong_guard = 12, not_peer_closed = 13, mask_changed = 14,
              sigpipe_left_pending = 15, message_lacks_reason = 16, handler_ran = 17;

volatile sig_atomic_t handler_calls = 0;
void on_sigpipe(int) { handler_calls = handler_calls + 1; }

// In a process of its own (a disposition is the process's): sets SIGPIPE's
// disposition to args[0] ("default", "ignore" or "handler"), asks for the
// guard args[1] ("mask" or "process_ignores"), then writes to a pipe whose
// reader is gone. A SIGPIPE that got through ends the process by signal.
XIPC_TEST_ROLE(sigpipe_write_without_reader) {
  if (args.size() != 2) return 2;
  const std::string_view disposition = args[0];
  const bool ask_ignores = std::string_view(args[1]) == "process_ignores";
  struct sigaction action {};
  action.sa_handler = disposition == "ignore" ? SIG_IGN : disposition == "handler" ? on_sigpipe : SIG_DFL;
  ::sigaction(SIGPIPE, &action, nullptr);
  sigset_t mask_before;
  ::pthread_sigmask(SIG_SETMASK, nullptr, &mask_before);

  std::error_code ec;
  try {
    xipc::set_sigpipe_guard(ask_ignores ? sigpipe_guard::process_ignores : sigpipe_guard::mask);
  } catch (const std::system_error& error) {
    ec = error.code();
    const char* reason = disposition == "handler" ? "a handler of the program's" : "SIG_DFL";
    if (std::strstr(error.what(), reason) == nullptr) return message_lacks_reason;
  }
  const bool should_refuse = ask_ignores && disposition != "ignore";
  if (should_refuse != static_cast<bool>(ec)) return should_refuse ? not_refused : refused_wrongly;
  if (should_refuse && ec != errc::invalid_argument) return refused_wrongly;
  const sigpipe_guard expected = ask_ignores && !should_refuse ? sigpipe_guard::process_ignores : sigpipe_guard::mask;
  if (xipc::get_sigpipe_guard() != expected) return wrong_guard;

  auto [reader, writer] = xipc::make_pipe();
  reader.close();
  const std::array<std::byte, 64> data{};
  if (writer.write_some(data, xipc::deadline::forever()).error != errc::peer_closed) return not_peer_closed;

  sigset_t mask_after;
  ::pthread_sigmask(SIG_SETMASK, nullptr, &mask_after);
  if (sigismember(&mask_before, SIGPIPE) != sigismember(&mask_after, SIGPIPE)) return mask_changed;
  sigset_t pending;
  ::sigpending(&pending);
  if (sigismember(&pending, SIGPIPE) == 1) return sigpipe_left_pending;
  if (handler_calls != 0) return handler_ran;
  return 0;
}

std::optional<int> run(const char* disposition, const char* guard) {
  return peer_process::start("sigpipe_write_without_reader", {disposition, guard}).wait();
}

TEST(sigpipe_guard, the_default_keeps_a_process_with_the_default_disposition_alive) {
  EXPECT_EQ(run("default", "mask"), 0) << "128 + 13 would be death by SIGPIPE";
}

TEST(sigpipe_guard, the_default_keeps_a_handler_from_seeing_xipcs_sigpipe) {
  EXPECT_EQ(run("handler", "mask"), 0);
}

TEST(sigpipe_guard, process_ignores_writes_straight_and_still_reports_peer_closed) {
  EXPECT_EQ(run("ignore", "process_ignores"), 0);
}

TEST(sigpipe_guard, process_ignores_is_refused_while_sigpipe_would_end_the_process) {
  EXPECT_EQ(run("default", "process_ignores"), 0) << "refused, naming SIG_DFL; the guard stays mask";
}

TEST(sigpipe_guard, process_ignores_is_refused_while_a_handler_is_installed) {
  EXPECT_EQ(run("handler", "process_ignores"), 0) << "refused, naming the handler; the guard stays mask";
}

#endif

TEST(sigpipe_guard, an_unknown_guard_is_refused_and_the_guard_kept) {
  std::error_code ec;
  const sigpipe_guard before = xipc::get_sigpipe_guard();
  xipc::set_sigpipe_guard(static_cast<sigpipe_guard>(7), ec);
  EXPECT_EQ(ec, errc::invalid_argument);
  EXPECT_EQ(xipc::get_sigpipe_guard(), before);
  EXPECT_EQ(before, sigpipe_guard::mask) << "the default";
}

#if defined(_WIN32)
TEST(sigpipe_guard, windows_has_no_sigpipe_so_either_guard_is_taken) {
  xipc::set_sigpipe_guard(sigpipe_guard::process_ignores);
  EXPECT_EQ(xipc::get_sigpipe_guard(), sigpipe_guard::process_ignores);
  xipc::set_sigpipe_guard(sigpipe_guard::mask);
  EXPECT_EQ(xipc::get_sigpipe_guard(), sigpipe_guard::mask);
}
#endif

}  // namespace
