// A named broadcast channel: the memory-level ends over a shared_memory
// region of the broadcast name kind, made and opened as ring_channel does.
#include <xipc/broadcast.hpp>

#include <fmt/format.h>

#include <chrono>
#include <cstddef>
#include <thread>

#include "core/setup_error.hpp"
#include "memory/format_wait.hpp"

namespace xipc {
namespace {

constexpr std::string_view object_kind = "broadcast";

static_assert(offsetof(detail::broadcast_header, magic) == 0, "wait_until_formatted looks at the first word");

std::span<std::byte> bytes_of(shared_memory& memory) { return {memory.data(), memory.size()}; }

const char* policy_name(slow_subscriber policy) { return policy == slow_subscriber::wait ? "wait" : "overtake"; }

}  // namespace

broadcast::publisher broadcast::open_publisher(std::string_view name, const broadcast_options& options,
                                               wait_policy policy, const shared_memory_options& memory_options,
                                               detail::failure& why) {
  const std::size_t bytes = broadcast_memory_bytes(options);
  if (bytes == 0) {
    why = detail::refuse(errc::invalid_argument,
                         fmt::format("options: {} slots of {} bytes, {} subscribers, policy {}: out of range "
                                     "(docs/broadcast.md has the limits)",
                                     options.slot_count, options.max_message_bytes, options.max_subscribers,
                                     static_cast<int>(options.policy)));
    return {};
  }
  shared_memory memory = shared_memory::create(name, bytes, memory_options, why, name_kind::broadcast);
  if (!why) {
    if (const std::error_code error = format_broadcast(bytes_of(memory), options)) {
      // All or nothing: a channel that cannot be formatted is not left behind.
      detail::failure ignored;
      shared_memory::remove(name, ignored, name_kind::broadcast);
      why = detail::refuse(errc::invalid_argument, fmt::format("it could not be formatted: {}", error.message()));
      return {};
    }
  } else if (why.code == errc::already_exists) {
    why = {};
    memory = shared_memory::open(name, access::read_write, memory_options, why, name_kind::broadcast);
    if (why) return {};
    detail::wait_until_formatted(memory);
    detail::broadcast_geometry existing;
    if (!detail::read_broadcast_geometry(bytes_of(memory), existing, why)) return {};
    if (existing.slot_count != options.slot_count || existing.max_message != options.max_message_bytes ||
        existing.max_subscribers != options.max_subscribers || existing.policy != options.policy) {
      why = detail::refuse(errc::invalid_argument,
                           fmt::format("it exists with {} slots of {} bytes, {} subscribers and policy {}; this "
                                       "publisher asked for {}, {}, {} and {}",
                                       existing.slot_count, existing.max_message, existing.max_subscribers,
                                       policy_name(existing.policy), options.slot_count, options.max_message_bytes,
                                       options.max_subscribers, policy_name(options.policy)));
      return {};
    }
  } else {
    return {};
  }
  broadcast_publisher end = broadcast_publisher::attach(bytes_of(memory), policy, why);
  if (why) return {};
  return publisher(std::move(memory), std::move(end));
}

broadcast::subscriber broadcast::open_subscriber(std::string_view name, wait_policy policy,
                                                 const shared_memory_options& memory_options, detail::failure& why) {
  shared_memory memory = shared_memory::open(name, access::read_write, memory_options, why, name_kind::broadcast);
  if (why) return {};
  detail::wait_until_formatted(memory);
  broadcast_subscriber end = broadcast_subscriber::attach(bytes_of(memory), policy, why);
  if (why) return {};
  return subscriber(std::move(memory), std::move(end));
}

broadcast::publisher broadcast::publisher::open_or_create(std::string_view name, const broadcast_options& options,
                                                          wait_policy policy,
                                                          const shared_memory_options& memory_options) {
  return detail::report_or_throw(object_kind, name,
                                 [&](auto& why) { return open_publisher(name, options, policy, memory_options, why); });
}

broadcast::publisher broadcast::publisher::open_or_create(std::string_view name, const broadcast_options& options,
                                                          wait_policy policy, std::error_code& ec,
                                                          const shared_memory_options& memory_options) {
  return detail::report_to(ec, [&](auto& why) { return open_publisher(name, options, policy, memory_options, why); });
}

broadcast::subscriber broadcast::subscriber::open(std::string_view name, wait_policy policy,
                                                  const shared_memory_options& memory_options) {
  return detail::report_or_throw(object_kind, name,
                                 [&](auto& why) { return open_subscriber(name, policy, memory_options, why); });
}

broadcast::subscriber broadcast::subscriber::open(std::string_view name, wait_policy policy, std::error_code& ec,
                                                  const shared_memory_options& memory_options) {
  return detail::report_to(ec, [&](auto& why) { return open_subscriber(name, policy, memory_options, why); });
}

bool broadcast::remove(std::string_view name) {
  return detail::report_or_throw(object_kind, name,
                                 [&](auto& why) { return shared_memory::remove(name, why, name_kind::broadcast); });
}

bool broadcast::remove(std::string_view name, std::error_code& ec) {
  return detail::report_to(ec, [&](auto& why) { return shared_memory::remove(name, why, name_kind::broadcast); });
}

}  // namespace xipc
