#include "backend/wait_wake.hpp"

#include <fmt/format.h>
#include <windows.h>

#include <algorithm>
#include <atomic>
#include <climits>

// WaitOnAddress works only inside one process, so a word's sleepers wait on
// a named semaphore, Local\xipc.wake.<key>.<value>: one per value slept on.
// A sleeper opens it before it counts itself in `waiters` and closes it after
// it counted itself out, so a waker that sees waiters > 0 finds the semaphore
// there and its release is kept until taken. A release that nobody takes (the
// sleeper had timed out) only makes a later wait return early, which callers
// allow for.
//
// Why one semaphore per value: with one per word, a sleeper that counted
// itself but had not yet called WaitForSingleObject could lose its count to a
// thread that started to sleep on the next value a moment later, and sleep
// through the change it waited for. Every value is left by exactly one
// fetch_add, whose caller wakes that value's semaphore, and nobody starts to
// sleep on a value already left, so a count released for a value is taken
// only by a sleeper on it.

namespace xipc::detail {
namespace {

HANDLE open_semaphore(const wait_word& word, std::uint32_t value) noexcept {
  char ascii[56];
  const auto written = fmt::format_to_n(ascii, sizeof ascii - 1, "Local\\xipc.wake.{:016x}.{:08x}", word.key, value);
  *written.out = '\0';
  wchar_t name[56];
  for (std::size_t i = 0; i < sizeof ascii; ++i) name[i] = static_cast<wchar_t>(ascii[i]);
  return ::CreateSemaphoreW(nullptr, 0, LONG_MAX, name);
}

}  // namespace

void wait_on_word(wait_word& word, std::uint32_t expected, std::chrono::nanoseconds timeout) noexcept {
  if (timeout <= std::chrono::nanoseconds::zero()) return;
  HANDLE semaphore = open_semaphore(word, expected);
  if (semaphore == nullptr) {
    // No semaphore to sleep on (out of handles): yield instead; the caller looks again.
    ::SwitchToThread();
    return;
  }
  word.waiters.fetch_add(1, std::memory_order_seq_cst);
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (word.value.load(std::memory_order_seq_cst) == expected) {
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(timeout).count();
    ::WaitForSingleObject(semaphore, static_cast<DWORD>(std::clamp<long long>(ms, 1, INFINITE - 1)));
  }
  word.waiters.fetch_sub(1, std::memory_order_relaxed);
  ::CloseHandle(semaphore);
}

void wake_word(wait_word& word, std::uint32_t left) noexcept {
  // Orders the caller's change of `value` before the look at `waiters`, as
  // the sleeper orders its count before its look at `value`.
  std::atomic_thread_fence(std::memory_order_seq_cst);
  const std::uint32_t sleepers = word.waiters.load(std::memory_order_seq_cst);
  if (sleepers == 0) return;
  HANDLE semaphore = open_semaphore(word, left);
  if (semaphore == nullptr) return;  // the sleepers' slices end on their own
  ::ReleaseSemaphore(semaphore, static_cast<LONG>(std::min<std::uint32_t>(sleepers, LONG_MAX)), nullptr);
  ::CloseHandle(semaphore);
}

// No asymmetric fence reaches other processes on Windows (FlushProcessWriteBuffers
// serves only the caller's own): notifiers keep the read-modify-write.
bool register_light_notifier() noexcept { return false; }
bool heavy_fence() noexcept { return false; }

}  // namespace xipc::detail
