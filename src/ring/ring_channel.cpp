#include <xipc/ring_channel.hpp>

#include <fmt/format.h>

#include <chrono>
#include <cstddef>
#include <thread>

#include "core/setup_error.hpp"
#include "memory/format_wait.hpp"

namespace xipc {
namespace {

constexpr std::string_view object_kind = "ring_channel";

static_assert(offsetof(detail::ring_header, magic) == 0, "wait_until_formatted looks at the first word");

std::span<std::byte> bytes_of(shared_memory& memory) { return {memory.data(), memory.size()}; }

}  // namespace

ring_channel::sender ring_channel::open_sender(std::string_view name, const ring_options& options,
                                               wait_policy policy, const shared_memory_options& memory_options,
                                               detail::failure& why) {
  // Checked first: a size the memory cannot even be made for is the caller's mistake, not the OS's.
  if (!detail::check_ring_options(options, why)) return {};
  shared_memory memory =
      shared_memory::create(name, ring_memory_bytes(options.capacity_bytes), memory_options, why, name_kind::ring);
  if (!why) {
    if (const std::error_code error = format_ring(bytes_of(memory), options)) {
      // All or nothing: a channel that cannot be formatted is not left behind.
      detail::failure ignored;
      shared_memory::remove(name, ignored, name_kind::ring);
      why = detail::refuse(errc::invalid_argument, fmt::format("the ring could not be formatted: {}", error.message()));
      return {};
    }
  } else if (why.code == errc::already_exists) {
    why = {};
    memory = shared_memory::open(name, access::read_write, memory_options, why, name_kind::ring);
    if (why) return {};
    detail::wait_until_formatted(memory);
    detail::ring_geometry existing;
    if (!detail::read_ring_geometry(bytes_of(memory), existing, why)) return {};
    const std::uint64_t wanted_max = options.max_message_bytes != 0 ? options.max_message_bytes
                                                                    : options.capacity_bytes / 4;
    if (existing.capacity != options.capacity_bytes || existing.max_message != wanted_max) {
      why = detail::refuse(errc::invalid_argument,
                           fmt::format("it exists with capacity {} and maximum message {}; this sender asked for {} "
                                       "and {}",
                                       existing.capacity, existing.max_message, options.capacity_bytes, wanted_max));
      return {};
    }
  } else {
    return {};
  }
  ring_producer producer = ring_producer::attach(bytes_of(memory), policy, why);
  if (why) return {};
  return sender(std::move(memory), std::move(producer));
}

ring_channel::receiver ring_channel::open_receiver(std::string_view name, wait_policy policy,
                                                   const shared_memory_options& memory_options, detail::failure& why) {
  shared_memory memory = shared_memory::open(name, access::read_write, memory_options, why, name_kind::ring);
  if (why) return {};
  detail::wait_until_formatted(memory);
  ring_consumer consumer = ring_consumer::attach(bytes_of(memory), policy, why);
  if (why) return {};
  return receiver(std::move(memory), std::move(consumer));
}

ring_channel::sender ring_channel::sender::open_or_create(std::string_view name, const ring_options& options,
                                                          wait_policy policy,
                                                          const shared_memory_options& memory_options) {
  return detail::report_or_throw(object_kind, name,
                                 [&](auto& why) { return open_sender(name, options, policy, memory_options, why); });
}

ring_channel::sender ring_channel::sender::open_or_create(std::string_view name, const ring_options& options,
                                                          wait_policy policy, std::error_code& ec,
                                                          const shared_memory_options& memory_options) {
  return detail::report_to(ec, [&](auto& why) { return open_sender(name, options, policy, memory_options, why); });
}

ring_channel::receiver ring_channel::receiver::open(std::string_view name, wait_policy policy,
                                                   const shared_memory_options& memory_options) {
  return detail::report_or_throw(object_kind, name,
                                 [&](auto& why) { return open_receiver(name, policy, memory_options, why); });
}

ring_channel::receiver ring_channel::receiver::open(std::string_view name, wait_policy policy, std::error_code& ec,
                                                   const shared_memory_options& memory_options) {
  return detail::report_to(ec, [&](auto& why) { return open_receiver(name, policy, memory_options, why); });
}

bool ring_channel::remove(std::string_view name) {
  return detail::report_or_throw(object_kind, name,
                                 [&](auto& why) { return shared_memory::remove(name, why, name_kind::ring); });
}
bool ring_channel::remove(std::string_view name, std::error_code& ec) {
  return detail::report_to(ec, [&](auto& why) { return shared_memory::remove(name, why, name_kind::ring); });
}

}  // namespace xipc
