// The portable part of every mailbox: setup and checks of the control region,
// waiting and waking, priorities, the owner and the exclusive receiver. The
// backends (mailbox_queue.hpp) only queue and dequeue without waiting.
#include <xipc/mailbox.hpp>
#include <xipc/name.hpp>
#include <xipc/shared_memory.hpp>
#include <xipc/detail/config.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <new>
#include <thread>
#include <vector>

#include "mailbox/mailbox_queue.hpp"
#include "backend/mapping.hpp"
#include "core/object_trust.hpp"
#include "backend/process_identity.hpp"
#include "core/setup_error.hpp"
#include "core/stable_hash.hpp"
#include "sync/event_wait.hpp"
#include "sync/readiness.hpp"
#include "sync/wait_word.hpp"

namespace xipc {
namespace {

using clock = std::chrono::steady_clock;
constexpr std::string_view object_kind = "mailbox";

// How often a waiting sender of an owned mailbox checks that the owner lives,
// and how often any sender of one does so between waits.
using detail::liveness_interval;
// How long an opener waits for a creator to finish setting the mailbox up.
constexpr auto setup_wait_total = std::chrono::milliseconds(50);
// While spinning, the clock is read once per this many polls (4 pauses apart):
// a clock read costs about as much as a poll.
constexpr unsigned polls_per_clock_read = 16;

std::string describe(const mailbox_options& options) {
  return fmt::format("{} backend, capacity {}, max message {} B, {}, {} receivers", to_string(options.backend),
                     options.capacity, options.max_message_bytes,
                     options.lifetime == mailbox_lifetime::owned ? "owned" : "persistent",
                     options.receivers == mailbox_receivers::exclusive ? "exclusive" : "shared");
}

bool same_shape(const mailbox_options& a, const mailbox_options& b) {
  return a.backend == b.backend && a.capacity == b.capacity && a.max_message_bytes == b.max_message_bytes &&
         a.lifetime == b.lifetime && a.receivers == b.receivers;
}

bool valid_lifetime(std::uint32_t value) {
  return value == static_cast<std::uint32_t>(mailbox_lifetime::persistent) ||
         value == static_cast<std::uint32_t>(mailbox_lifetime::owned);
}
bool valid_receivers(std::uint32_t value) {
  return value == static_cast<std::uint32_t>(mailbox_receivers::shared) ||
         value == static_cast<std::uint32_t>(mailbox_receivers::exclusive);
}

bool check_name(std::string_view name, detail::failure& why) {
  std::string reason;
  if (!validate_name(name, &reason)) return true;
  why = detail::refuse(errc::invalid_name, std::move(reason));
  return false;
}

// Whether a creator may ask for `options`; false with `why` set.
bool check_options(const mailbox_options& options, detail::failure& why) {
  if (!detail::mailbox_backend_built(options.backend)) {
    why = detail::refuse(errc::invalid_argument, fmt::format("the {} backend (number {}) is not part of this build",
                                                             to_string(options.backend),
                                                             static_cast<std::uint32_t>(options.backend)));
  } else if (options.capacity > detail::mailbox_max_capacity) {
    why = detail::refuse(errc::invalid_argument, fmt::format("capacity {} is above the limit of {} messages",
                                                             options.capacity, detail::mailbox_max_capacity));
  } else if (options.max_message_bytes == 0 || options.max_message_bytes > detail::mailbox_max_message_bytes) {
    why = detail::refuse(errc::invalid_argument, fmt::format("max_message_bytes {} is not from 1 to {}",
                                                             options.max_message_bytes,
                                                             detail::mailbox_max_message_bytes));
  } else if (!valid_lifetime(static_cast<std::uint32_t>(options.lifetime)) ||
             !valid_receivers(static_cast<std::uint32_t>(options.receivers))) {
    why = detail::refuse(errc::invalid_argument, "lifetime or receivers is not one of its enumerators");
  } else if (sizeof(detail::mailbox_control) + detail::mailbox_queue_bytes(options) > detail::mailbox_max_region_bytes) {
    why = detail::refuse(errc::invalid_argument,
                         fmt::format("capacity {} of {}-byte messages needs more than {} bytes of shared memory",
                                     options.capacity, options.max_message_bytes, detail::mailbox_max_region_bytes));
  } else {
    return true;
  }
  return false;
}

std::uint64_t header_checksum(const detail::mailbox_header& header) noexcept {
  const std::uint64_t fields[] = {header.version,      header.backend,   header.capacity,
                                  header.max_message,  header.lifetime,  header.receivers,
                                  header.owner,        header.instance,  header.region_bytes};
  return detail::stable_hash({reinterpret_cast<const char*>(fields), sizeof fields});
}

}  // namespace

// Checks a header copied from shared memory and returns the options it
// describes, or false with `why` set: nothing in it is trusted before this.
bool detail::check_mailbox_header(const mailbox_header& header, std::size_t region_bytes, mailbox_options& options,
                                  failure& why) {
  auto corrupted = [&](std::string what) {
    why = detail::refuse(errc::corrupted, fmt::format("its shared header is damaged: {}", what));
    return false;
  };
  const std::uint64_t magic = header.magic.load(std::memory_order_acquire);
  if (magic != detail::mailbox_magic) return corrupted(fmt::format("magic 0x{:016x}", magic));
  if (header.version != detail::mailbox_layout_version) {
    return corrupted(fmt::format("layout version {} (this build reads {})", header.version,
                                 detail::mailbox_layout_version));
  }
  if (header.checksum != header_checksum(header)) {
    return corrupted(fmt::format("checksum 0x{:016x} where its fields give 0x{:016x}", header.checksum,
                                 header_checksum(header)));
  }
  if (!valid_lifetime(header.lifetime) || !valid_receivers(header.receivers)) {
    return corrupted(fmt::format("lifetime {}, receivers {}", header.lifetime, header.receivers));
  }
  options.backend = static_cast<mailbox_backend>(header.backend);
  options.capacity = header.capacity;
  options.max_message_bytes = header.max_message;
  options.lifetime = static_cast<mailbox_lifetime>(header.lifetime);
  options.receivers = static_cast<mailbox_receivers>(header.receivers);
  if (header.backend < 1 || header.backend > 4) return corrupted(fmt::format("backend {}", header.backend));
  detail::failure bad_options;
  if (!check_options(options, bad_options)) {
    if (!detail::mailbox_backend_built(options.backend)) {
      why = detail::refuse(errc::invalid_argument,
                           fmt::format("it is a {} mailbox, which this build cannot open", to_string(options.backend)));
      return false;
    }
    return corrupted(bad_options.detail);
  }
  const std::uint64_t expected = sizeof(detail::mailbox_control) + detail::mailbox_queue_bytes(options);
  // A larger region is fine: a Windows section may be reported rounded up to a whole page (Wine does).
  if (header.region_bytes != expected || region_bytes < expected) {
    return corrupted(fmt::format("region of {} bytes, header says {}, its options need {}", region_bytes,
                                 header.region_bytes, expected));
  }
  return true;
}

namespace {

detail::event_count event_of(detail::mailbox_event& event) noexcept {
  return {event.sequence, event.sleepers, event.bells, detail::mailbox_readiness_slots};
}

// After a send or receive, for waiters whose next attempt is a send or
// receive: the change was published by a seq_cst store that the attempt reads
// seq_cst (the shm queue's counters), or inside the kernel, so the cheap form
// of notify suffices (xipc/detail/event_count.hpp).
void notify(detail::mailbox_event& event) noexcept { event_of(event).notify_seq_cst(); }

// For a rendezvous sender, whose look is a plain read of the queue's size:
// the general form.
void notify_taken(detail::mailbox_event& delivered) noexcept { event_of(delivered).notify(); }

void wake_everyone(detail::mailbox_control& control) noexcept {
  for (auto* event : {&control.not_empty, &control.not_full, &control.delivered}) event_of(*event).wake_all();
}

}  // namespace

namespace detail {

struct mailbox_state {
  std::string name;
  mailbox_options options;
  shared_memory control;
  mailbox_control* layout = nullptr;
  std::unique_ptr<mailbox_queue> queue;
  std::uint64_t instance = 0;
  bool owns = false;                 // this handle created an owned mailbox
  std::atomic<bool> claimed{false};  // this handle holds the exclusive receiver claim
  // When a sender next looks at an owned mailbox's owner (steady_clock ticks).
  std::atomic<clock::rep> next_owner_check{0};
  // Rendezvous: where a message not taken in time, or a dead sender's, is
  // taken back to. Used only under the `rendezvous` lock, one thread at a time.
  std::vector<std::byte> scratch;
  // Made by readiness_handle or the first arm, one per direction; `readiness_lock` guards making them.
  std::mutex readiness_lock;
  std::unique_ptr<readiness_point> readiness[2];
  // This handle's wait policy, set from any thread (mailbox::set_wait_policy).
  std::atomic<wait_mode> wait_mode_{wait_mode::adaptive};
  std::atomic<std::int64_t> spin_budget_ns{wait_policy{}.spin_budget.count()};

  void set_policy(const wait_policy& policy) noexcept {
    spin_budget_ns.store(policy.spin_budget.count(), std::memory_order_relaxed);
    wait_mode_.store(policy.mode, std::memory_order_relaxed);
  }
  wait_policy policy() const noexcept {
    return {wait_mode_.load(std::memory_order_relaxed),
            std::chrono::nanoseconds(spin_budget_ns.load(std::memory_order_relaxed))};
  }

  // Removes every object a mailbox of this name may have; true if the control region was there.
  static bool remove_objects(std::string_view name, detail::failure& why) {
    detail::remove_mailbox_queues(name);
    return shared_memory::remove(name, why, name_kind::mailbox);
  }

  // Removes the mailbox of this name only if it is still the one with `instance`.
  static void remove_if_instance(std::string_view name, std::uint64_t instance, const permissions& perms) noexcept {
    try {
      detail::failure why;
      shared_memory control = shared_memory::open(name, access::read_only, {perms}, why, name_kind::mailbox);
      if (why || control.size() < sizeof(detail::mailbox_control)) return;
      const auto& header = reinterpret_cast<const detail::mailbox_control*>(control.data())->header;
      if (header.instance != instance) return;
      control = {};
      remove_objects(name, why);
    } catch (...) {
      // Best effort: a name that cannot be removed now is removed by mailbox::remove.
    }
  }

  mailbox_state() = default;
  mailbox_state(const mailbox_state&) = delete;
  mailbox_state& operator=(const mailbox_state&) = delete;

  ~mailbox_state() {
    if (layout != nullptr) {
      release_readiness(ready_for::receive);
      release_readiness(ready_for::send);
    }
    queue.reset();
    if (layout == nullptr) return;
    if (claimed.load(std::memory_order_relaxed)) {
      std::uint64_t mine = current_process_token();
      layout->receiver.compare_exchange_strong(mine, 0, std::memory_order_acq_rel);
    }
    if (owns) {
      layout->closed.store(1, std::memory_order_release);
      wake_everyone(*layout);
      remove_if_instance(name, instance, options.perms);
    }
  }

  // Whether an owned mailbox's owner is gone; the first to notice marks it
  // closed, wakes every waiter and removes the name.
  bool owner_gone() noexcept {
    if (layout->closed.load(std::memory_order_acquire) != 0) return true;
    if (owns || options.lifetime != mailbox_lifetime::owned || process_alive(layout->header.owner)) return false;
    if (layout->closed.exchange(1, std::memory_order_acq_rel) == 0) {
      wake_everyone(*layout);
      remove_if_instance(name, instance, options.perms);
    }
    return true;
  }

  bool watches_owner() const noexcept { return options.lifetime == mailbox_lifetime::owned && !owns; }

  // ---- readiness (docs/event_loops.md) ----

  mailbox_event& event_for(ready_for what) noexcept {
    return what == ready_for::receive ? layout->not_empty : layout->not_full;
  }

  bool ready(ready_for what) noexcept {
    if (layout->closed.load(std::memory_order_acquire) != 0) return true;
    // Seq_cst loads, after the arming's seq_cst announcement: the backends'
    // counts change by seq_cst stores or inside the kernel.
    const std::size_t queued = queue->size();
    if (what == ready_for::receive) return queued != 0;
    return queued < (options.capacity == 0 ? 1 : options.capacity);
  }

  readiness_point* readiness_of(ready_for what, failure& why) {
    std::lock_guard hold(readiness_lock);
    auto& point = readiness[static_cast<int>(what)];
    if (point == nullptr) {
      auto made = std::make_unique<readiness_point>();
      mailbox_event& event = event_for(what);
      if (!made->open(event.bells, what == ready_for::receive ? "the mailbox's receivers" : "the mailbox's senders",
                      why)) {
        return nullptr;
      }
      point = std::move(made);
    }
    return point.get();
  }

  bool arm(ready_for what) noexcept {
    failure ignored;
    readiness_point* point = nullptr;
    try {
      point = readiness_of(what, ignored);
    } catch (...) {
      return false;  // no memory for it: the caller tries the operation instead of waiting
    }
    if (point == nullptr) return false;
    // A sender of an owned mailbox watches its owner: its end is a close.
    const std::uint64_t peer = what == ready_for::send && watches_owner() ? layout->header.owner : 0;
    const bool wait = point->arm(event_of(event_for(what)), [&] { return ready(what); }, peer);
    if (point->peer_ended()) owner_gone();
    return wait;
  }

  void disarm(ready_for what, bool fired) noexcept {
    std::lock_guard hold(readiness_lock);
    if (auto& point = readiness[static_cast<int>(what)]) point->disarm(event_of(event_for(what)), fired);
  }

  void release_readiness(ready_for what) noexcept {
    if (auto& point = readiness[static_cast<int>(what)]) point->release(event_of(event_for(what)));
  }

  // Runs `attempt` until it returns anything but errc::would_block, waiting
  // in between as the handle's policy says: polling (adaptive: for its spin
  // budget, and only where the backend's polls are cheap; spin: until the
  // deadline), then sleeping on `event`, at most liveness_interval at a time.
  // `hint` says, without a system call or lock, whether another attempt could
  // succeed. Every liveness_interval of waiting looks at an owned mailbox's owner.
  template <class Attempt, class Hint>
  std::error_code wait_for(mailbox_event& event, Attempt&& attempt, Hint&& hint, deadline until) noexcept {
    std::error_code error = attempt();
    if (error != errc::would_block || until.is_immediate()) return error;
    auto owner_watch = [&] {
      return watches_owner() && owner_gone() ? make_error_code(errc::peer_closed) : make_error_code(errc::would_block);
    };
    const wait_policy how = policy();
    const bool poll = how.mode == wait_mode::spin || (how.mode == wait_mode::adaptive && queue->cheap_to_poll());
    auto next_watch = clock::time_point::max();
    if (poll) {
      auto spin_until = clock::time_point::max();
      auto spin_start = clock::time_point::max();
      for (unsigned polls = 1;; ++polls) {
        for (int pause = 0; pause < 4; ++pause) XIPC_CPU_RELAX();
        if (hint()) {
          error = attempt();
          if (error != errc::would_block) return error;
        }
        if (polls % polls_per_clock_read != 0) continue;
        const auto now = clock::now();
        if (polls == polls_per_clock_read) {
          spin_start = now;
          next_watch = now + liveness_interval;
          if (how.mode == wait_mode::adaptive) spin_until = now + how.spin_budget;
        }
        if (now >= until.time_point()) return make_error_code(errc::timed_out);
        if (now >= next_watch) {
          if (const std::error_code found = owner_watch(); found != errc::would_block) return found;
          next_watch = now + liveness_interval;
        }
        if (now >= spin_until) break;
        detail::yield_if_long(how.mode, spin_start, now);
      }
    }
    if (next_watch == clock::time_point::max()) next_watch = clock::now() + liveness_interval;
    return sleep_until(event_of(event), attempt, owner_watch, until, next_watch);
  }

  std::error_code send_now(std::span<const std::byte> message, unsigned priority, deadline until) noexcept {
    const std::uint64_t slots = options.capacity == 0 ? 1 : options.capacity;
    auto attempt = [&] {
      if (layout->closed.load(std::memory_order_acquire) != 0) return make_error_code(errc::peer_closed);
      return queue->try_send(message, priority, until);
    };
    auto room = [&] { return queue->size() < slots; };
    const std::error_code error = wait_for(layout->not_full, attempt, room, until);
    if (!error) notify(layout->not_empty);
    return error;
  }

  // capacity 0: one rendezvous sender at a time puts its message in the
  // one-message queue and waits until the queue is empty again, that is,
  // until a receiver took it. Not taken in time, it takes the message back.
  std::error_code send_rendezvous(std::span<const std::byte> message, unsigned priority, deadline until) noexcept {
    const lock_result locked = lock(layout->rendezvous, until);
    if (locked == lock_result::timed_out) {
      return make_error_code(until.is_immediate() ? errc::would_block : errc::timed_out);
    }
    struct unlock_at_end {
      process_lock_word& word;
      ~unlock_at_end() { unlock(word); }
    } unlock_later{layout->rendezvous};
    // Whatever is queued now is an orphan (its sender died, or gave up and
    // could not take it back): nobody's to deliver.
    discard_orphan(until);
    std::error_code error = send_now(message, priority, until);
    if (error) return error;
    auto taken = [&] { return queue->size() == 0 ? std::error_code{} : make_error_code(errc::would_block); };
    auto maybe_taken = [&] { return queue->size() == 0; };
    error = wait_for(layout->delivered, taken, maybe_taken, until);
    if (!error) return {};
    // Taken back within the caller's deadline (a stopped holder of the
    // queue's lock costs no more); if even that fails, the message stays an
    // orphan, which the next sender or receiver drops (drop_orphaned_rendezvous).
    const mailbox_result back = queue->try_receive(scratch, until);
    if (back.error == errc::would_block && queue->size() == 0) return {};  // a receiver took it at the last moment
    if (!back.error) notify(layout->not_full);
    return error;
  }

  // A rendezvous message is its sender's until a receiver takes it, and the
  // sender holds `rendezvous` all that time: a message queued while nobody
  // alive holds that lock is an orphan. The caller holds the lock.
  void discard_orphan(deadline until) noexcept {
    if (queue->size() == 0) return;
    if (queue->try_receive(scratch, until).error) return;
    notify(layout->not_full);
  }

  // Receivers of a rendezvous mailbox check before they take: a message whose
  // sender is gone (the lock is free, or held by a dead process) is not
  // delivered. The receiver that finds it so takes the lock and drops it.
  void drop_orphaned_rendezvous(deadline until) noexcept {
    if (queue->size() == 0) return;
    std::uint64_t sender = layout->rendezvous.holder.load(std::memory_order_acquire);
    if (sender != 0 && process_alive(sender)) return;
    if (!layout->rendezvous.holder.compare_exchange_strong(sender, current_process_token(),
                                                           std::memory_order_seq_cst)) {
      return;  // a sender came (or another receiver is at it)
    }
    discard_orphan(until);
    unlock(layout->rendezvous);
  }

  std::error_code claim_receiver() noexcept {
    const std::uint64_t mine = current_process_token();
    for (int attempt = 0; attempt < 16; ++attempt) {
      std::uint64_t current = layout->receiver.load(std::memory_order_acquire);
      if (current == mine) {
        claimed.store(true, std::memory_order_relaxed);
        return {};
      }
      if (current != 0 && process_alive(current)) return make_error_code(errc::busy);
      if (layout->receiver.compare_exchange_strong(current, mine, std::memory_order_acq_rel)) {
        claimed.store(true, std::memory_order_relaxed);
        return {};
      }
    }
    return make_error_code(errc::busy);
  }
};

}  // namespace detail

std::string_view to_string(mailbox_backend backend) noexcept {
  switch (backend) {
    case mailbox_backend::shm: return "shm";
    case mailbox_backend::posix_mq: return "posix_mq";
    case mailbox_backend::sysv: return "sysv";
    case mailbox_backend::mach_port: return "mach_port";
  }
  return "unknown";
}

bool mailbox_backend_available(mailbox_backend backend) noexcept {
  return detail::mailbox_backend_built(backend);
}

mailbox::mailbox() noexcept = default;
mailbox::mailbox(std::unique_ptr<detail::mailbox_state> state) noexcept : state_(std::move(state)) {}
mailbox::mailbox(mailbox&&) noexcept = default;
mailbox& mailbox::operator=(mailbox&&) noexcept = default;
mailbox::~mailbox() = default;

const std::string& mailbox::name() const noexcept {
  static const std::string none;
  return state_ ? state_->name : none;
}

const mailbox_options& mailbox::options() const noexcept {
  static const mailbox_options none;
  return state_ ? state_->options : none;
}

std::size_t mailbox::size() const noexcept { return state_ ? state_->queue->size() : 0; }

void mailbox::set_wait_policy(const wait_policy& policy) noexcept {
  if (state_) state_->set_policy(policy);
}

wait_policy mailbox::get_wait_policy() const noexcept { return state_ ? state_->policy() : wait_policy{}; }

bool mailbox::ready(ready_for what) noexcept { return state_ && state_->ready(what); }

native_handle_type mailbox::readiness_handle(ready_for what) {
  return detail::report_or_throw(object_kind, name(), [&](auto& why) {
    if (!state_) why = detail::refuse(errc::invalid_argument, "the mailbox is not open");
    auto* point = why ? nullptr : state_->readiness_of(what, why);
    return point ? point->handle() : invalid_native_handle;
  });
}

native_handle_type mailbox::readiness_handle(ready_for what, std::error_code& ec) {
  return detail::report_to(ec, [&](auto& why) {
    if (!state_) why = detail::refuse(errc::invalid_argument, "the mailbox is not open");
    auto* point = why ? nullptr : state_->readiness_of(what, why);
    return point ? point->handle() : invalid_native_handle;
  });
}

bool mailbox::arm(ready_for what) noexcept { return state_ && state_->arm(what); }

void mailbox::disarm(ready_for what, bool handle_fired) noexcept {
  if (state_) state_->disarm(what, handle_fired);
}

mailbox mailbox::create(std::string_view name, const mailbox_options& options, detail::failure& why) {
  if (!check_name(name, why)) return {};
  if (!check_options(options, why)) return {};
  const std::uint64_t region_bytes = sizeof(detail::mailbox_control) + detail::mailbox_queue_bytes(options);
  shared_memory control = shared_memory::create(name, region_bytes, {options.perms}, why, name_kind::mailbox);
  if (why) {
    if (why.code == errc::already_exists) {
      detail::failure ignored;
      if (mailbox existing = open(name, permissions{07777, {}}, ignored); existing.is_open()) {
        why.detail += fmt::format("; it is a mailbox with {}", describe(existing.options()));
      }
    }
    return {};
  }
  auto* layout = new (control.data()) detail::mailbox_control{};
  auto& header = layout->header;
  header.version = detail::mailbox_layout_version;
  header.backend = static_cast<std::uint32_t>(options.backend);
  header.capacity = options.capacity;
  header.max_message = options.max_message_bytes;
  header.lifetime = static_cast<std::uint32_t>(options.lifetime);
  header.receivers = static_cast<std::uint32_t>(options.receivers);
  header.owner = detail::current_process_token();
  header.instance = detail::new_random_key();
  for (auto* event : {&layout->not_empty, &layout->not_full, &layout->delivered}) detail::format_wait_word(event->sequence);
  detail::format_wait_word(layout->rendezvous.sequence);
  header.region_bytes = region_bytes;
  const detail::mailbox_setup setup{name, options,
                                    {control.data() + sizeof(detail::mailbox_control),
                                     control.size() - sizeof(detail::mailbox_control)}};
  auto queue = detail::create_mailbox_queue(setup, why);
  if (why) {
    // All or nothing: a mailbox whose queue could not be made is not left behind.
    detail::failure ignored;
    shared_memory::remove(name, ignored, name_kind::mailbox);
    return {};
  }
  header.checksum = header_checksum(header);
  header.magic.store(detail::mailbox_magic, std::memory_order_release);

  auto state = std::make_unique<detail::mailbox_state>();
  state->name = std::string(name);
  state->options = options;
  state->layout = layout;
  state->instance = header.instance;
  state->owns = options.lifetime == mailbox_lifetime::owned;
  if (options.capacity == 0) state->scratch.resize(options.max_message_bytes);
  state->queue = std::move(queue);
  state->control = std::move(control);
  return mailbox(std::move(state));
}

mailbox mailbox::open(std::string_view name, const permissions& perms, detail::failure& why) {
  if (!check_name(name, why)) return {};
  shared_memory control = shared_memory::open(name, access::read_write, {perms}, why, name_kind::mailbox);
  if (why) return {};
  if (control.size() < sizeof(detail::mailbox_control)) {
    why = detail::refuse(errc::corrupted, fmt::format("its shared region has {} bytes, fewer than a mailbox header",
                                                      control.size()));
    return {};
  }
  auto* layout = reinterpret_cast<detail::mailbox_control*>(control.data());
  const auto give_up = clock::now() + setup_wait_total;
  while (layout->header.magic.load(std::memory_order_acquire) == 0 && clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (layout->header.magic.load(std::memory_order_acquire) == 0) {
    why = detail::refuse(errc::busy, "its creator has not finished setting it up");
    return {};
  }
  mailbox_options options;
  if (!detail::check_mailbox_header(layout->header, control.size(), options, why)) return {};
  const std::uint64_t instance = layout->header.instance;
  if (options.lifetime == mailbox_lifetime::owned &&
      (layout->closed.load(std::memory_order_acquire) != 0 || !detail::process_alive(layout->header.owner))) {
    const auto owner = detail::token_process_id(layout->header.owner);
    control = {};
    detail::mailbox_state::remove_if_instance(name, instance, perms);
    why = detail::refuse(errc::not_found, fmt::format("it was owned by process {}, which has closed it or ended", owner));
    return {};
  }
  // The backend checks its own object (a kernel queue) under the caller's permissions.
  options.perms = perms;
  const detail::mailbox_setup setup{name, options,
                                    {control.data() + sizeof(detail::mailbox_control),
                                     control.size() - sizeof(detail::mailbox_control)}};
  auto queue = detail::open_mailbox_queue(setup, why);
  if (why) return {};
  // What it was made with, as far as the OS says (Windows has no mode bits to read).
  options.perms.bits = detail::permission_bits(control.native_handle()).value_or(perms.bits);

  auto state = std::make_unique<detail::mailbox_state>();
  state->name = std::string(name);
  state->options = options;
  state->layout = layout;
  state->instance = instance;
  if (options.capacity == 0) state->scratch.resize(options.max_message_bytes);
  state->queue = std::move(queue);
  state->control = std::move(control);
  return mailbox(std::move(state));
}

mailbox mailbox::open_or_create(std::string_view name, const mailbox_options& options, detail::failure& why) {
  // Another process may create or remove it between our tries: go round again then.
  for (int attempt = 0; attempt < 8; ++attempt) {
    why = {};
    mailbox created = create(name, options, why);
    if (why.code != errc::already_exists) return created;
    why = {};
    mailbox opened = open(name, options.perms, why);
    if (why.code == errc::not_found) continue;
    if (!why && !same_shape(opened.options(), options)) {
      why = detail::refuse(errc::invalid_argument, fmt::format("it exists with {}; this call asked for {}",
                                                               describe(opened.options()), describe(options)));
      return {};
    }
    // The options match exactly, permissions included (docs/mailbox.md).
    if (!why) detail::check_exact_mode("the mailbox", opened.options().perms.bits, options.perms, why);
    if (why) return {};
    return opened;
  }
  return {};
}

bool mailbox::remove(std::string_view name, detail::failure& why) {
  if (!check_name(name, why)) return false;
  return detail::mailbox_state::remove_objects(name, why);
}

std::error_code mailbox::send(std::span<const std::byte> message, unsigned priority, deadline until) noexcept {
  if (!state_) return make_error_code(errc::invalid_argument);
  auto& state = *state_;
  if (priority > max_priority) return make_error_code(errc::invalid_argument);
  if (message.size() > state.options.max_message_bytes) return make_error_code(errc::message_too_large);
  if (state.watches_owner()) {
    // Between waits, the owner is looked at no more often than this.
    const auto now = clock::now().time_since_epoch().count();
    if (now >= state.next_owner_check.load(std::memory_order_relaxed)) {
      state.next_owner_check.store(now + clock::duration(liveness_interval).count(), std::memory_order_relaxed);
      if (state.owner_gone()) return make_error_code(errc::peer_closed);
    }
  }
  if (state.options.capacity == 0) return state.send_rendezvous(message, priority, until);
  return state.send_now(message, priority, until);
}

mailbox_result mailbox::receive(std::span<std::byte> buffer, deadline until) noexcept {
  mailbox_result result;
  if (!state_) {
    result.error = make_error_code(errc::invalid_argument);
    return result;
  }
  auto& state = *state_;
  if (state.options.receivers == mailbox_receivers::exclusive && !state.claimed.load(std::memory_order_relaxed)) {
    result.error = state.claim_receiver();
    if (result.error) return result;
  }
  auto attempt = [&] {
    if (state.options.capacity == 0) state.drop_orphaned_rendezvous(until);
    result = state.queue->try_receive(buffer, until);
    if (result.error == errc::would_block && state.layout->closed.load(std::memory_order_acquire) != 0) {
      result.error = make_error_code(errc::peer_closed);
    }
    return result.error;
  };
  auto queued = [&] { return state.queue->size() != 0; };
  const std::error_code error = state.wait_for(state.layout->not_empty, attempt, queued, until);
  if (error) {
    if (error != errc::message_too_large) result.bytes = 0;
    result.error = error;
    return result;
  }
  notify(state.layout->not_full);
  if (state.options.capacity == 0) notify_taken(state.layout->delivered);
  return result;
}

// ---- the public setup overloads ------------------------------------------------------

mailbox mailbox::create(std::string_view name, const mailbox_options& options) {
  return detail::report_or_throw(object_kind, name, [&](auto& why) { return create(name, options, why); });
}
mailbox mailbox::create(std::string_view name, const mailbox_options& options, std::error_code& ec) {
  return detail::report_to(ec, [&](auto& why) { return create(name, options, why); });
}
mailbox mailbox::open(std::string_view name, const permissions& perms) {
  return detail::report_or_throw(object_kind, name, [&](auto& why) { return open(name, perms, why); });
}
mailbox mailbox::open(std::string_view name, std::error_code& ec, const permissions& perms) {
  return detail::report_to(ec, [&](auto& why) { return open(name, perms, why); });
}
mailbox mailbox::open_or_create(std::string_view name, const mailbox_options& options) {
  return detail::report_or_throw(object_kind, name, [&](auto& why) { return open_or_create(name, options, why); });
}
mailbox mailbox::open_or_create(std::string_view name, const mailbox_options& options, std::error_code& ec) {
  return detail::report_to(ec, [&](auto& why) { return open_or_create(name, options, why); });
}
bool mailbox::remove(std::string_view name) {
  return detail::report_or_throw(object_kind, name, [&](auto& why) { return remove(name, why); });
}
bool mailbox::remove(std::string_view name, std::error_code& ec) {
  return detail::report_to(ec, [&](auto& why) { return remove(name, why); });
}

}  // namespace xipc
