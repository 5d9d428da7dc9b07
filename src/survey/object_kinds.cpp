// The one table of the kinds of named objects that the xipc tool knows
// (object_survey.hpp). A new kind is one entry here: its label and
// name_kind, and the functions that inspect, remove, send to and receive
// from one object of it.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <filesystem>
#include <system_error>

#include <xipc/broadcast.hpp>
#include <xipc/io.hpp>
#include <xipc/mailbox.hpp>
#include <xipc/named_pipe.hpp>
#include <xipc/port.hpp>
#include <xipc/process_condition.hpp>
#include <xipc/process_mutex.hpp>
#include <xipc/ring_channel.hpp>
#include <xipc/semaphore.hpp>
#include <xipc/shared_memory.hpp>
#include <xipc/sysv_shared_memory.hpp>
#include <xipc/detail/event_count.hpp>
#include <xipc/detail/ring_layout.hpp>

#include "backend/process_identity.hpp"
#include "mailbox/mailbox_layout.hpp"
#include "survey/object_survey.hpp"
#include "sync/named_sync.hpp"
#include "sync/sync_layout.hpp"

namespace xipc::detail {
namespace {

// Sleepers that announced at the current epoch: asleep, or about to be, and not woken yet.
std::uint32_t unwoken_sleepers(const wait_word& epoch, const std::atomic<std::uint32_t>& sleepers) {
  const std::uint32_t word = sleepers.load(std::memory_order_acquire);
  if ((word & ~event_count::count_mask) != event_count::announced_at(epoch.value.load(std::memory_order_acquire))) return 0;
  return event_count::count_of(word);
}

// A look changes nothing, and everything it reads is checked, so it trusts
// any owner: the report names the owner instead.
permissions look_permissions(const object_report& report) {
  permissions perms = permissions::everyone();
  if (report.uid) perms = perms.trusting(*report.uid);
  return perms;
}

// The region of `report`'s object, read-only, or an error (not_found when absent).
std::error_code look_at_region(object_report& report, name_kind kind, shared_memory& region) {
  failure why;
  region = sync_regions::open(report.name, kind, look_permissions(report), why, access::read_only);
  if (why.code == errc::not_found) return why.code;
  if (why) report.problem = why.call.empty() ? why.detail : fmt::format("{} failed: {}", why.call, why.detail);
  if (!why) report.bytes = region.size();
  return {};
}

template <class Layout>
const Layout* layout_in(object_report& report, const shared_memory& region) {
  if (!region.data()) return nullptr;
  if (region.size() < sizeof(Layout)) {
    report.problem = fmt::format("its region has {} bytes, fewer than the {} its layout needs", region.size(),
                                 sizeof(Layout));
    return nullptr;
  }
  return reinterpret_cast<const Layout*>(region.data());
}

// Checks the magic and version at the start of a synchronization object.
bool sync_header_ok(object_report& report, std::uint64_t magic, std::uint32_t version, std::uint64_t expected) {
  if (magic != expected) {
    report.problem = fmt::format("no {} there: magic 0x{:016x} where 0x{:016x} belongs", report.kind, magic, expected);
    return false;
  }
  if (version != sync_layout_version) {
    report.problem = fmt::format("layout version {}, this build reads version {}", version, sync_layout_version);
    return false;
  }
  return true;
}

void add_process(object_report& report, std::string role, std::uint64_t token) {
  report.processes.push_back({std::move(role), token_process_id(token), process_alive(token)});
}

std::string problem_of(const failure& why) {
  return why.call.empty() ? why.detail : fmt::format("{} failed: {}", why.call, why.detail);
}

// ---- shared_memory ----------------------------------------------------------------

std::error_code inspect_shared_memory(object_report& report) {
  shared_memory region;
  return look_at_region(report, name_kind::shared_memory, region);
}

bool remove_shared_memory(std::string_view name, failure& why) {
  return sync_regions::remove(name, name_kind::shared_memory, why);
}

// ---- ring -----------------------------------------------------------------------

std::error_code inspect_ring(object_report& report) {
  shared_memory region;
  if (const std::error_code ec = look_at_region(report, name_kind::ring, region)) return ec;
  if (!region.data()) return {};
  ring_geometry ring;
  failure why;
  if (!read_ring_geometry({region.data(), region.size()}, ring, why)) {
    report.problem = why.detail;
    return {};
  }
  const std::uint64_t tail = ring.layout->producer.position.load(std::memory_order_acquire);
  const std::uint64_t head = ring.layout->consumer.position.load(std::memory_order_acquire);
  report.facts.emplace_back("capacity_bytes", std::to_string(ring.capacity));
  report.facts.emplace_back("max_message_bytes", std::to_string(ring.max_message));
  if (tail - head > ring.capacity || tail % ring_record_align != 0 || head % ring_record_align != 0) {
    report.problem = fmt::format("positions out of order: head {}, tail {}", head, tail);
  } else {
    report.facts.emplace_back("used_bytes", std::to_string(tail - head));
  }
  bool crashed = false;
  for (const auto& [role, line] : {std::pair{"producer", &ring.layout->producer}, {"consumer", &ring.layout->consumer}}) {
    const std::uint64_t owner = line->owner.load(std::memory_order_acquire);
    report.facts.emplace_back(role, owner == ring_owner_none       ? "never attached"
                                    : owner == ring_owner_detached ? "detached"
                                                                   : "attached");
    if (owner > ring_owner_detached) {
      add_process(report, role, owner);
      crashed = crashed || !report.processes.back().alive;
    }
  }
  const bool someone_alive =
      std::any_of(report.processes.begin(), report.processes.end(), [](const auto& p) { return p.alive; });
  if (crashed && !someone_alive) report.stale = "every process attached to it has ended without detaching";
  return {};
}

bool remove_ring(std::string_view name, failure& why) { return sync_regions::remove(name, name_kind::ring, why); }

std::error_code send_ring(std::string_view name, std::span<const std::byte> message, const message_options& options,
                          failure& why) {
  // The channel's own geometry, so that opening it never changes or refuses it.
  object_report report = report_of("ring", name);
  if (const std::error_code ec = inspect_ring(report)) return ec;
  if (!report.problem.empty()) {
    why = refuse(errc::corrupted, report.problem);
    return why.code;
  }
  ring_options ring{};
  for (const auto& [fact, value] : report.facts) {
    if (fact == "capacity_bytes") ring.capacity_bytes = std::stoull(value);
    if (fact == "max_message_bytes") ring.max_message_bytes = std::stoull(value);
  }
  std::error_code ec;
  auto sender = ring_channel::sender::open_or_create(name, ring, {}, ec);
  if (ec) {
    why = {ec, {}, fmt::format("cannot attach as its producer: {}", ec.message())};
    return ec;
  }
  return sender.send(message, options.until);
}

std::error_code receive_ring(std::string_view name, std::vector<std::byte>& message, const message_options& options,
                             failure& why) {
  std::error_code ec;
  auto receiver = ring_channel::receiver::open(name, {}, ec);
  if (ec) {
    why = {ec, {}, fmt::format("cannot attach as its consumer: {}", ec.message())};
    return ec;
  }
  message.resize(std::max<std::size_t>(message.size(), 1 << 16));
  for (;;) {
    const io_result got = receiver.receive(message, options.until);
    if (got.error == errc::message_too_large && got.bytes > message.size()) {
      message.resize(got.bytes);
      continue;
    }
    if (!got.error) message.resize(got.bytes);
    return got.error;
  }
}

// ---- broadcast ------------------------------------------------------------------

std::error_code inspect_broadcast(object_report& report) {
  shared_memory region;
  if (const std::error_code ec = look_at_region(report, name_kind::broadcast, region)) return ec;
  if (!region.data()) return {};
  broadcast_geometry channel;
  failure why;
  if (!read_broadcast_geometry({region.data(), region.size()}, channel, why)) {
    report.problem = why.detail;
    return {};
  }
  report.facts.emplace_back("slot_count", std::to_string(channel.slot_count));
  report.facts.emplace_back("max_message_bytes", std::to_string(channel.max_message));
  report.facts.emplace_back("max_subscribers", std::to_string(channel.max_subscribers));
  report.facts.emplace_back("policy", channel.policy == slow_subscriber::wait ? "wait" : "overtake");
  report.facts.emplace_back("published", std::to_string(channel.layout->publisher.published.load(std::memory_order_acquire)));
  const std::uint64_t owner = channel.layout->publisher.owner.load(std::memory_order_acquire);
  report.facts.emplace_back("publisher", owner == broadcast_owner_none       ? "never attached"
                                         : owner == broadcast_owner_detached ? "detached"
                                                                             : "attached");
  if (owner > broadcast_owner_detached) add_process(report, "publisher", owner);
  std::size_t subscribers = 0;
  for (std::uint64_t i = 0; i < channel.max_subscribers; ++i) {
    const std::uint64_t token = channel.subscribers[i].owner.load(std::memory_order_acquire);
    if (token <= broadcast_place_reclaiming) continue;
    ++subscribers;
    add_process(report, "subscriber", token);
  }
  report.facts.emplace_back("subscribers", std::to_string(subscribers));
  const bool someone_alive =
      std::any_of(report.processes.begin(), report.processes.end(), [](const auto& p) { return p.alive; });
  if (!report.processes.empty() && !someone_alive) {
    report.stale = "every process attached to it has ended without detaching";
  }
  return {};
}

bool remove_broadcast(std::string_view name, failure& why) { return sync_regions::remove(name, name_kind::broadcast, why); }

std::error_code send_broadcast(std::string_view name, std::span<const std::byte> message, const message_options& options,
                               failure& why) {
  // The channel's own options, so that opening it never changes or refuses it.
  object_report report = report_of("broadcast", name);
  if (const std::error_code ec = inspect_broadcast(report)) return ec;
  if (!report.problem.empty()) {
    why = refuse(errc::corrupted, report.problem);
    return why.code;
  }
  broadcast_options wanted{};
  for (const auto& [fact, value] : report.facts) {
    if (fact == "slot_count") wanted.slot_count = std::stoull(value);
    if (fact == "max_message_bytes") wanted.max_message_bytes = std::stoull(value);
    if (fact == "max_subscribers") wanted.max_subscribers = std::stoull(value);
    if (fact == "policy") wanted.policy = value == "wait" ? slow_subscriber::wait : slow_subscriber::overtake;
  }
  std::error_code ec;
  auto publisher = broadcast::publisher::open_or_create(name, wanted, {}, ec);
  if (ec) {
    why = {ec, {}, fmt::format("cannot attach as its publisher: {}", ec.message())};
    return ec;
  }
  return publisher.send(message, options.until);
}

std::error_code receive_broadcast(std::string_view name, std::vector<std::byte>& message, const message_options& options,
                                  failure& why) {
  std::error_code ec;
  auto subscriber = broadcast::subscriber::open(name, {}, ec);
  if (ec) {
    why = {ec, {}, fmt::format("cannot join as a subscriber: {}", ec.message())};
    return ec;
  }
  message.resize(std::max<std::size_t>(message.size(), subscriber.end().max_message_bytes()));
  const broadcast_received got = subscriber.receive(message, options.until);
  if (!got.error) message.resize(got.bytes);
  return got.error;
}

// ---- mailbox --------------------------------------------------------------------

std::error_code inspect_mailbox(object_report& report) {
  shared_memory region;
  if (const std::error_code ec = look_at_region(report, name_kind::mailbox, region)) return ec;
  const auto* control = layout_in<mailbox_control>(report, region);
  if (control == nullptr) return {};
  mailbox_header header;  // copied: another process may change it after the check
  std::memcpy(static_cast<void*>(&header), &control->header, sizeof header);
  mailbox_options options;
  failure why;
  if (!check_mailbox_header(header, region.size(), options, why)) {
    report.problem = why.detail;
    return {};
  }
  report.facts.emplace_back("backend", std::string(to_string(options.backend)));
  report.facts.emplace_back("capacity", std::to_string(options.capacity));
  report.facts.emplace_back("max_message_bytes", std::to_string(options.max_message_bytes));
  report.facts.emplace_back("lifetime", options.lifetime == mailbox_lifetime::owned ? "owned" : "persistent");
  report.facts.emplace_back("receivers", options.receivers == mailbox_receivers::exclusive ? "exclusive" : "shared");
  if (options.lifetime == mailbox_lifetime::owned) {
    add_process(report, "owner", header.owner);
    if (control->closed.load(std::memory_order_acquire) != 0) {
      report.stale = "its owner closed it";
    } else if (!report.processes.back().alive) {
      report.stale = "its owner has ended";
    }
  }
  if (const std::uint64_t receiver = control->receiver.load(std::memory_order_acquire); receiver != 0) {
    add_process(report, "receiver", receiver);
  }
  // The depth, from the mailbox itself where opening it changes nothing (an
  // owned one whose owner ended would be removed by the open).
  if (report.stale.empty() && mailbox_backend_available(options.backend)) {
    std::error_code ec;
    const mailbox box = mailbox::open(report.name, ec, look_permissions(report));
    if (!ec) report.facts.emplace_back("messages", std::to_string(box.size()));
  }
  return {};
}

bool remove_mailbox(std::string_view name, failure& why) {
  std::error_code ec;
  const bool removed = mailbox::remove(name, ec);
  if (ec) why = {ec, {}, ec.message()};
  return removed;
}

std::error_code send_mailbox(std::string_view name, std::span<const std::byte> message, const message_options& options,
                             failure& why) {
  std::error_code ec;
  mailbox box = mailbox::open(name, ec);
  if (ec) {
    why = {ec, {}, ec.message()};
    return ec;
  }
  return box.send(message, options.priority, options.until);
}

std::error_code receive_mailbox(std::string_view name, std::vector<std::byte>& message,
                                const message_options& options, failure& why) {
  std::error_code ec;
  mailbox box = mailbox::open(name, ec);
  if (ec) {
    why = {ec, {}, ec.message()};
    return ec;
  }
  message.resize(std::max<std::size_t>(box.options().max_message_bytes, 1));
  const mailbox_result got = box.receive(message, options.until);
  if (!got.error) message.resize(got.bytes);
  return got.error;
}

// ---- named_pipe -----------------------------------------------------------------

// A client of the server named `name`, in the mode the server speaks: a byte
// client first, then a message one (POSIX refuses a mismatched socket type;
// Windows pipes of either mode accept both).
std::error_code connect_named_pipe(std::string_view name, deadline until, named_pipe& pipe, pipe_mode& mode) {
  std::error_code ec;
  for (const pipe_mode tried : {pipe_mode::byte, pipe_mode::message}) {
    mode = tried;
    pipe = named_pipe::connect(name, {.mode = tried}, until, ec);
    if (!ec || ec == errc::not_found || ec == errc::timed_out) return ec;
  }
  return ec;
}

// A named pipe or a port: whether a server listens at its socket file.
// `probe` connects as a client, where the OS has no socket table to ask
// (the server sees a client come and go).
template <name_kind Kind, class Probe>
std::error_code inspect_rendezvous(object_report& report, Probe&& probe) {
  failure why;
  report.location = rendezvous_location(Kind, report.name, why);
  if (why) {
    report.problem = problem_of(why);
    return {};
  }
  std::error_code missing;
  const bool file_there =
      std::filesystem::symlink_status(report.location, missing).type() != std::filesystem::file_type::not_found;
  // The OS's socket table answers without disturbing the server; where there
  // is none, a connect does (the server sees a client come and go).
  std::optional<bool> listening = rendezvous_listening(report.location);
  if (!listening) {
    const std::error_code ec = probe(report.name, deadline::after(std::chrono::milliseconds(200)));
    if (ec && ec != errc::not_found) {
      report.problem = fmt::format("connecting to it failed: {}", ec.message());
      return {};
    }
    listening = !ec;
  }
  if (*listening) {
    report.facts.emplace_back("server", "listening");
  } else if (!file_there) {
    return make_error_code(errc::not_found);  // no server and no file: no such pipe
  } else {
    report.facts.emplace_back("server", "none listening");
    report.stale = "no server listens on it";
  }
  return {};
}

std::error_code inspect_named_pipe(object_report& report) {
  return inspect_rendezvous<name_kind::named_pipe>(report, [](std::string_view name, deadline until) {
    named_pipe probe;
    pipe_mode mode{};
    return connect_named_pipe(name, until, probe, mode);
  });
}

bool remove_named_pipe(std::string_view name, failure& why) { return remove_rendezvous(name_kind::named_pipe, name, why); }

std::error_code send_named_pipe(std::string_view name, std::span<const std::byte> message,
                                const message_options& options, failure& why) {
  named_pipe pipe;
  pipe_mode mode{};
  if (const std::error_code ec = connect_named_pipe(name, options.until, pipe, mode)) {
    why = {ec, {}, ec.message()};
    return ec;
  }
  return mode == pipe_mode::message ? pipe.send(message, options.until) : write_all(pipe, message, options.until).error;
}

std::error_code receive_named_pipe(std::string_view name, std::vector<std::byte>& message,
                                   const message_options& options, failure& why) {
  named_pipe pipe;
  pipe_mode mode{};
  if (const std::error_code ec = connect_named_pipe(name, options.until, pipe, mode)) {
    why = {ec, {}, ec.message()};
    return ec;
  }
  message.resize(named_pipe_options{}.max_message_bytes);
  const io_result got =
      mode == pipe_mode::message ? pipe.receive(message, options.until) : pipe.read_some(message, options.until);
  if (!got.error) message.resize(got.bytes);
  return got.error;
}

// ---- port -----------------------------------------------------------------------

std::error_code inspect_port(object_report& report) {
  const std::error_code ec = inspect_rendezvous<name_kind::port>(report, [](std::string_view name, deadline until) {
    std::error_code connected;
    port probe = port::connect(name, until, connected);
    return connected;
  });
  return ec;
}

bool remove_port(std::string_view name, failure& why) { return remove_rendezvous(name_kind::port, name, why); }

// send and recv connect as a client: the message goes to (or comes from) the
// server's end of a new connection, as a plain message, not a call.
std::error_code send_port(std::string_view name, std::span<const std::byte> message, const message_options& options,
                          failure& why) {
  std::error_code ec;
  port client = port::connect(name, options.until, ec);
  if (!ec) ec = client.send(message, options.until);
  if (ec) why = {ec, {}, ec.message()};
  return ec;
}

std::error_code receive_port(std::string_view name, std::vector<std::byte>& message, const message_options& options,
                             failure& why) {
  std::error_code ec;
  port client = port::connect(name, options.until, ec);
  if (ec) {
    why = {ec, {}, ec.message()};
    return ec;
  }
  message.resize(std::max<std::size_t>(client.max_message_bytes(), 1));
  const port_message got = client.receive(message, options.until);
  if (!got.error) message.resize(got.bytes);
  return got.error;
}

// ---- semaphore, mutex, condition ---------------------------------------------------

std::error_code inspect_semaphore(object_report& report) {
  shared_memory region;
  if (const std::error_code ec = look_at_region(report, name_kind::semaphore, region)) return ec;
  const auto* layout = layout_in<semaphore_layout>(report, region);
  if (layout == nullptr ||
      !sync_header_ok(report, layout->magic.load(std::memory_order_acquire), layout->version, semaphore_magic)) {
    return {};
  }
  const std::uint32_t count = layout->count.load(std::memory_order_acquire);
  if (count > semaphore_max_value) {
    report.problem = fmt::format("count {} is above the largest, {}", count, semaphore_max_value);
  } else {
    report.facts.emplace_back("count", std::to_string(count));
  }
  report.facts.emplace_back("sleepers", std::to_string(unwoken_sleepers(layout->epoch, layout->sleepers)));
  return {};
}

std::error_code inspect_mutex(object_report& report) {
  shared_memory region;
  if (const std::error_code ec = look_at_region(report, name_kind::mutex, region)) return ec;
  const auto* layout = layout_in<process_mutex_layout>(report, region);
  if (layout == nullptr ||
      !sync_header_ok(report, layout->magic.load(std::memory_order_acquire), layout->version, process_mutex_magic)) {
    return {};
  }
  const std::uint32_t state = layout->state.load(std::memory_order_acquire);
  switch (static_cast<mutex_state>(state)) {
    case mutex_state::consistent: report.facts.emplace_back("state", "consistent"); break;
    case mutex_state::owner_died: report.facts.emplace_back("state", "owner died, not yet repaired"); break;
    case mutex_state::not_recoverable: report.facts.emplace_back("state", "not recoverable"); break;
    default: report.problem = fmt::format("state {} is none a mutex has", state); break;
  }
  const std::uint64_t holder = layout->lock.holder.load(std::memory_order_acquire);
  report.facts.emplace_back("locked", holder != 0 ? "yes" : "no");
  if (holder != 0) add_process(report, "holder", holder);
  return {};
}

std::error_code inspect_condition(object_report& report) {
  shared_memory region;
  if (const std::error_code ec = look_at_region(report, name_kind::condition, region)) return ec;
  const auto* layout = layout_in<process_condition_layout>(report, region);
  if (layout == nullptr || !sync_header_ok(report, layout->magic.load(std::memory_order_acquire), layout->version,
                                           process_condition_magic)) {
    return {};
  }
  report.facts.emplace_back("sleepers", std::to_string(unwoken_sleepers(layout->epoch, layout->sleepers)));
  return {};
}

template <name_kind Kind>
bool remove_region(std::string_view name, failure& why) {
  return sync_regions::remove(name, Kind, why);
}

std::error_code send_semaphore(std::string_view name, std::span<const std::byte>, const message_options&,
                               failure& why) {
  std::error_code ec;
  semaphore sem = semaphore::open(name, ec);
  if (!ec) ec = sem.post();
  if (ec) why = {ec, {}, ec.message()};
  return ec;
}

std::error_code receive_semaphore(std::string_view name, std::vector<std::byte>& message,
                                  const message_options& options, failure& why) {
  std::error_code ec;
  semaphore sem = semaphore::open(name, ec);
  if (ec) {
    why = {ec, {}, ec.message()};
    return ec;
  }
  message.clear();
  return sem.wait(options.until);
}

// ---- sysv_shared_memory -----------------------------------------------------------

std::error_code inspect_sysv_shared_memory(object_report& report) {
  // A build without System V shared memory has none to find.
  if (!sysv_shared_memory::supported) return make_error_code(errc::not_found);
  std::error_code ec;
  const sysv_shared_memory segment =
      sysv_shared_memory::open(report.name, access::read_only, ec, {look_permissions(report)});
  if (ec == errc::not_found) return ec;
  if (ec) {
    report.problem = ec.message();
    return {};
  }
  report.bytes = segment.size();
  report.facts.emplace_back("key", fmt::format("0x{:08x}", static_cast<std::uint32_t>(sysv_shared_memory::key_of(report.name))));
  report.facts.emplace_back("id", std::to_string(segment.id()));
  return {};
}

bool remove_sysv_shared_memory(std::string_view name, failure& why) {
  std::error_code ec;
  const bool removed = sysv_shared_memory::remove(name, ec);
  if (ec) why = {ec, {}, ec.message()};
  return removed;
}

constexpr std::array kinds{
    object_kind_entry{"shared_memory", name_kind::shared_memory, object_home::shm_namespace, inspect_shared_memory, remove_shared_memory, nullptr,
                      nullptr},
    object_kind_entry{"ring", name_kind::ring, object_home::shm_namespace, inspect_ring, remove_ring, send_ring, receive_ring},
    object_kind_entry{"broadcast", name_kind::broadcast, object_home::shm_namespace, inspect_broadcast, remove_broadcast, send_broadcast,
                      receive_broadcast},
    object_kind_entry{"mailbox", name_kind::mailbox, object_home::shm_namespace, inspect_mailbox, remove_mailbox, send_mailbox, receive_mailbox},
    object_kind_entry{"named_pipe", name_kind::named_pipe, object_home::socket_directory, inspect_named_pipe, remove_named_pipe, send_named_pipe,
                      receive_named_pipe},
    object_kind_entry{"port", name_kind::port, object_home::socket_directory, inspect_port, remove_port, send_port, receive_port},
    object_kind_entry{"semaphore", name_kind::semaphore, object_home::shm_namespace, inspect_semaphore, remove_region<name_kind::semaphore>,
                      send_semaphore, receive_semaphore},
    object_kind_entry{"mutex", name_kind::mutex, object_home::shm_namespace, inspect_mutex, remove_region<name_kind::mutex>, nullptr, nullptr},
    object_kind_entry{"condition", name_kind::condition, object_home::shm_namespace, inspect_condition, remove_region<name_kind::condition>,
                      nullptr, nullptr},
    object_kind_entry{"sysv_shared_memory", name_kind::shared_memory, object_home::sysv_segments, inspect_sysv_shared_memory,
                      remove_sysv_shared_memory, nullptr, nullptr},
};

}  // namespace

std::span<const object_kind_entry> object_kinds() noexcept { return kinds; }

const object_kind_entry* find_object_kind(std::string_view label) noexcept {
  for (const auto& entry : kinds) {
    if (entry.label == label) return &entry;
  }
  return nullptr;
}

std::error_code inspect_object(object_report& report) {
  const object_kind_entry* kind = find_object_kind(report.kind);
  if (kind == nullptr) return make_error_code(errc::invalid_argument);
  if (report.foreign) {
    report.facts.emplace_back("header", "not read: another user's object");
    return {};
  }
  if (!report.problem.empty()) return {};
  return kind->inspect(report);
}

std::string os_prefix(name_kind kind) {
  std::string name = os_name(kind, "x", target_os::posix);
  name.pop_back();
  if (!name.empty() && name.front() == '/') name.erase(0, 1);
  return name;
}

}  // namespace xipc::detail
