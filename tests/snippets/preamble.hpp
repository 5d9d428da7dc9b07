// What the documentation's snippets take as given: the objects a fragment
// refers to without making them (a message, a buffer, a connection). Each
// snippet is compiled as a function body after this.
#pragma once

#include <xipc/xipc.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace xipc_snippets {

inline const std::array<std::byte, 16> message_storage{};
inline std::span<const std::byte> bytes{message_storage};
inline std::array<std::byte, 4096> buffer_storage{};
inline std::span<std::byte> buffer{buffer_storage};
inline std::string text = "hello";
inline std::string note = "a region, a pipe end and a connection";
inline std::span<std::byte> memory;
inline xipc::deadline deadline = xipc::deadline::forever();
inline xipc::native_handle_type received_handle = xipc::invalid_native_handle;
inline std::vector<std::span<const std::byte>> spans;
// Connections and objects a snippet passes on.
inline xipc::named_pipe connection;
inline xipc::named_pipe worker;
inline xipc::named_pipe server;
inline xipc::shared_memory region;
inline xipc::pipe_writer writer;
inline xipc::tcp_stream client;
inline xipc::ring_channel::receiver jobs_rx;
inline xipc::mailbox box;
inline xipc::port dates;
// A queue in shared memory that a condition's predicate looks at.
struct shared_queue {
  int count = 0;
};
inline shared_queue* queue = nullptr;
void fill(std::span<std::byte> bytes);
void use(std::span<const std::byte> bytes);

}  // namespace xipc_snippets
