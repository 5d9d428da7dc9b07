// wait_set: look, spin, then arm every member and sleep on their handles
// together (backend/handle_wait.hpp), in slices of the liveness interval so
// that a peer's death that no handle reports is still noticed.
#include <xipc/wait_set.hpp>

#include <fmt/format.h>

#include <algorithm>

#include "backend/handle_wait.hpp"
#include "core/setup_error.hpp"
#include "sync/event_wait.hpp"

namespace xipc {
namespace {

using clock = std::chrono::steady_clock;
constexpr std::string_view object_kind = "wait_set";
constexpr unsigned polls_per_clock_read = 64;

}  // namespace

struct wait_set::state {
  wait_policy policy;
  std::vector<member> members;  // in key order
  std::vector<key> keys;
  key next_key = 0;
  std::vector<detail::handle_interest> handles;  // rebuilt per sleep, kept for its capacity
  std::vector<bool> armed;

  bool has_descriptors() const noexcept {
    return std::any_of(members.begin(), members.end(), [](const member& m) { return m.ready == nullptr; });
  }

  // The members ready now, without waiting: xipc objects by their ready(),
  // descriptors by one poll of no time when `descriptors_too`.
  void collect(std::vector<key>& ready, bool descriptors_too) {
    for (std::size_t i = 0; i < members.size(); ++i) {
      if (members[i].ready != nullptr && members[i].ready(members[i].object, members[i].what)) ready.push_back(keys[i]);
    }
    if (!descriptors_too || !has_descriptors()) return;
    handles.clear();
    std::vector<std::size_t> index;
    for (std::size_t i = 0; i < members.size(); ++i) {
      if (members[i].ready != nullptr) continue;
      handles.push_back({members[i].descriptor, members[i].writable, false});
      index.push_back(i);
    }
    if (detail::wait_for_handles(handles, std::chrono::milliseconds(0)) == 0) return;
    for (std::size_t j = 0; j < handles.size(); ++j) {
      if (handles[j].fired) ready.push_back(keys[index[j]]);
    }
  }

  // Arms every xipc member and sleeps on every handle for at most `slice`;
  // then disarms and collects. A member whose arm() says "do not wait" is ready.
  void sleep(std::vector<key>& ready, clock::duration slice) {
    handles.clear();
    armed.assign(members.size(), false);
    bool go_on = true;
    for (std::size_t i = 0; i < members.size() && go_on; ++i) {
      member& m = members[i];
      if (m.ready == nullptr) {
        handles.push_back({m.descriptor, m.writable, false});
        continue;
      }
      if (!m.arm(m.object, m.what)) {
        ready.push_back(keys[i]);
        go_on = false;  // no sleep: one is ready already
        break;
      }
      armed[i] = true;
      std::error_code ignored;
      handles.push_back({m.handle(m.object, m.what, ignored), false, false});
    }
    if (go_on) {
      detail::wait_for_handles(handles, std::chrono::ceil<std::chrono::milliseconds>(slice));
    }
    // Every member has a place in `handles` up to where arming stopped.
    for (std::size_t i = 0; i < members.size() && i < handles.size(); ++i) {
      member& m = members[i];
      if (m.ready == nullptr) {
        if (go_on && handles[i].fired) ready.push_back(keys[i]);
        continue;
      }
      if (armed[i]) m.disarm(m.object, m.what, go_on && handles[i].fired);
    }
    if (!go_on) return;
    // After disarming: what the handles said, and what came meanwhile.
    for (std::size_t i = 0; i < members.size(); ++i) {
      member& m = members[i];
      if (m.ready != nullptr && m.ready(m.object, m.what)) ready.push_back(keys[i]);
    }
  }
};

wait_set::wait_set(wait_policy policy) : state_(std::make_unique<state>()) { state_->policy = policy; }
wait_set::wait_set(wait_set&&) noexcept = default;
wait_set& wait_set::operator=(wait_set&&) noexcept = default;
wait_set::~wait_set() = default;

wait_set::key wait_set::add_member(member made, detail::failure& why) {
  if (made.ready != nullptr) {
    std::error_code ec;
    made.handle(made.object, made.what, ec);
    if (ec) {
      why = detail::refuse(static_cast<errc>(ec.category() == error_category() ? ec.value()
                                                                             : static_cast<int>(errc::invalid_argument)),
                           fmt::format("the member's readiness handle could not be made: {}", ec.message()));
      return 0;
    }
  } else if (!detail::can_wait_for_descriptors(why)) {
    return 0;
  }
  if (made.ready == nullptr && made.descriptor == invalid_native_handle) {
    why = detail::refuse(errc::invalid_argument, "an invalid descriptor");
    return 0;
  }
  const key added = state_->next_key++;
  state_->members.push_back(made);
  state_->keys.push_back(added);
  return added;
}

wait_set::key wait_set::add_member(member made) {
  return detail::report_or_throw(object_kind, "add", [&](auto& why) { return add_member(made, why); });
}

wait_set::key wait_set::add_member(member made, std::error_code& ec) {
  return detail::report_to(ec, [&](auto& why) { return add_member(made, why); });
}

namespace {

template <class Member>
Member mailbox_member(mailbox& box, ready_for what) noexcept {
  Member made;
  made.object = &box;
  made.what = what;
  made.ready = [](void* object, ready_for w) { return static_cast<mailbox*>(object)->ready(w); };
  made.arm = [](void* object, ready_for w) { return static_cast<mailbox*>(object)->arm(w); };
  made.disarm = [](void* object, ready_for w, bool fired) { static_cast<mailbox*>(object)->disarm(w, fired); };
  made.handle = [](void* object, ready_for w, std::error_code& ec) {
    return static_cast<mailbox*>(object)->readiness_handle(w, ec);
  };
  return made;
}

}  // namespace

wait_set::key wait_set::add(mailbox& box, ready_for what) { return add_member(mailbox_member<member>(box, what)); }
wait_set::key wait_set::add(mailbox& box, ready_for what, std::error_code& ec) {
  return add_member(mailbox_member<member>(box, what), ec);
}

wait_set::key wait_set::add_readable(native_handle_type handle) {
  member made;
  made.descriptor = handle;
  return add_member(made);
}
wait_set::key wait_set::add_readable(native_handle_type handle, std::error_code& ec) {
  member made;
  made.descriptor = handle;
  return add_member(made, ec);
}
wait_set::key wait_set::add_writable(native_handle_type handle) {
  member made;
  made.descriptor = handle;
  made.writable = true;
  return add_member(made);
}
wait_set::key wait_set::add_writable(native_handle_type handle, std::error_code& ec) {
  member made;
  made.descriptor = handle;
  made.writable = true;
  return add_member(made, ec);
}

bool wait_set::remove(key member_key) noexcept {
  auto& keys = state_->keys;
  const auto at = std::lower_bound(keys.begin(), keys.end(), member_key);
  if (at == keys.end() || *at != member_key) return false;
  state_->members.erase(state_->members.begin() + (at - keys.begin()));
  keys.erase(at);
  return true;
}

std::size_t wait_set::size() const noexcept { return state_->members.size(); }

std::error_code wait_set::wait(std::vector<key>& ready, deadline until) {
  ready.clear();
  state& s = *state_;
  if (s.members.empty()) return make_error_code(errc::invalid_argument);
  s.collect(ready, true);
  if (!ready.empty()) return {};
  if (until.is_immediate()) return make_error_code(errc::would_block);

  // Spinning looks at the xipc members only; descriptors, whose look is a
  // system call, with every clock read.
  if (s.policy.mode != wait_mode::block) {
    const bool descriptors = s.has_descriptors();
    auto spin_until = clock::time_point::max();
    auto spin_start = clock::time_point::max();
    for (unsigned polls = 1;; ++polls) {
      const bool clock_turn = polls % polls_per_clock_read == 0;
      s.collect(ready, clock_turn && descriptors);
      if (!ready.empty()) return {};
      if (clock_turn) {
        const auto now = clock::now();
        if (polls == polls_per_clock_read) {
          spin_start = now;
          if (s.policy.mode == wait_mode::adaptive) spin_until = now + s.policy.spin_budget;
        }
        if (now >= until.time_point()) return make_error_code(errc::timed_out);
        if (now >= spin_until) break;
        detail::yield_if_long(s.policy.mode, spin_start, now);
        // Spinning forever still notices dead peers: arm() asks about them.
        if (s.policy.mode == wait_mode::spin && polls % (polls_per_clock_read * 1024) == 0) {
          s.sleep(ready, clock::duration::zero());
          if (!ready.empty()) return {};
        }
      }
      for (int pause = 0; pause < 4; ++pause) XIPC_CPU_RELAX();
    }
  }
  for (;;) {
    const auto now = clock::now();
    if (now >= until.time_point()) return make_error_code(errc::timed_out);
    // Each slice ends within the liveness interval, so that the next arm()
    // looks at peers no handle watches.
    s.sleep(ready, std::min<clock::duration>(until.time_point() - now, detail::liveness_interval));
    if (!ready.empty()) {
      std::sort(ready.begin(), ready.end());
      ready.erase(std::unique(ready.begin(), ready.end()), ready.end());
      return {};
    }
  }
}

}  // namespace xipc
