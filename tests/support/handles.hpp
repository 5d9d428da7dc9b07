// The few OS calls on raw handles that tests make to check what xipc did:
// a POSIX descriptor or a Windows HANDLE behind one set of names, so that
// the same test runs on both.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include <xipc/native_handle.hpp>

namespace xipc::test {

// The path of the running test binary.
std::string test_binary_path();

// Whether `handle` names an open object in this process.
bool handle_is_open(native_handle_type handle);
// Whether a child process would inherit `handle` by default (no close-on-exec;
// on Windows, HANDLE_FLAG_INHERIT).
bool handle_is_inheritable(native_handle_type handle);
// A second handle to the same object, not inheritable.
native_handle_type duplicate_handle(native_handle_type handle);
void close_handle(native_handle_type handle);
// A plain OS pipe, not through xipc: {read end, write end}.
std::pair<native_handle_type, native_handle_type> os_pipe();

// This process's id.
std::int64_t this_process_id();
// How many handles this process has open (POSIX: /proc/self/fd, Windows:
// GetProcessHandleCount), to see that an operation leaked none.
std::size_t open_handle_count();

// Whether a process with id `pid` exists (on POSIX, a zombie counts).
bool process_exists(int pid);
// Waits until a process handle (child_process::native_handle) signals its end.
bool wait_until_ended(native_handle_type process, std::chrono::milliseconds timeout);
// Waits until `handle` is readable (POSIX) or signaled (Windows), as an event
// loop would: a readiness handle firing. False when `timeout` passed first.
bool handle_fires_within(native_handle_type handle, std::chrono::milliseconds timeout);

// This process's standard input and output, read and written without xipc.
long read_standard_input(char* buffer, std::size_t size);
bool write_standard_output(std::string_view text);

}  // namespace xipc::test
