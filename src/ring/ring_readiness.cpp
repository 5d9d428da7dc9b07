// The readiness calls of the ring's ends (docs/event_loops.md), apart from
// spsc_ring.cpp so that the spin loops there keep their code layout: the
// ring's spin round trip measurably depends on it (docs/ring.md).
#include <xipc/spsc_ring.hpp>

#include <memory>

#include "core/setup_error.hpp"
#include "ring/ring_signal.hpp"
#include "sync/readiness.hpp"

namespace xipc {

using detail::event_of;

namespace {

// The process token behind an end's owner word, or 0 when no process owns it.
std::uint64_t owning_process(const std::atomic<std::uint64_t>& owner) noexcept {
  const std::uint64_t token = owner.load(std::memory_order_acquire);
  return token == detail::ring_owner_none || token == detail::ring_owner_detached ? 0 : token;
}

// Makes an end's readiness point on first use: its doorbell, named in the
// end's signal line, which the other side then checks after every change.
bool open_readiness(detail::readiness_point*& point, detail::ring_signal_line& own, std::string_view what,
                    detail::failure& why) {
  if (point != nullptr) return true;
  auto made = std::make_unique<detail::readiness_point>();
  if (!made->open(std::span<detail::doorbell_slot>(&own.bell, 1), what, why)) return false;
  // Seq_cst: from here on the other side checks `sleeping` after each change
  // (a side already checking, adaptive or block, sees no change).
  // (An adaptive side keeps its fenced sleeps; arming then fences too.)
  if (own.may_sleep.load(std::memory_order_relaxed) != detail::ring_sleeps_fenced) {
    own.may_sleep.store(detail::ring_sleeps, std::memory_order_seq_cst);
  }
  point = made.release();
  return true;
}

}  // namespace

void detail::close_ring_readiness(detail::readiness_point*& point, detail::ring_signal_line& own) noexcept {
  if (point == nullptr) return;
  point->release(event_of(own));
  delete point;
  point = nullptr;
}


bool ring_producer::ready() noexcept {
  if (ring_.layout == nullptr) return false;
  std::error_code error;
  return has_room(room_needed(static_cast<std::size_t>(ring_.max_message)), error) || error ||
         ring_.layout->consumer.owner.load(std::memory_order_acquire) == detail::ring_owner_detached;
}

native_handle_type ring_producer::readiness_handle() {
  return detail::report_or_throw("ring_producer", "readiness", [&](auto& why) {
    if (ring_.layout == nullptr) why = detail::refuse(errc::invalid_argument, "the producer is not attached");
    else open_readiness(readiness_, ring_.layout->producer_signal, "the ring's producer", why);
    return why ? invalid_native_handle : readiness_->handle();
  });
}

native_handle_type ring_producer::readiness_handle(std::error_code& ec) {
  return detail::report_to(ec, [&](auto& why) {
    if (ring_.layout == nullptr) why = detail::refuse(errc::invalid_argument, "the producer is not attached");
    else open_readiness(readiness_, ring_.layout->producer_signal, "the ring's producer", why);
    return why ? invalid_native_handle : readiness_->handle();
  });
}

bool ring_producer::arm() noexcept {
  if (ring_.layout == nullptr) return false;
  detail::failure ignored;
  if (!open_readiness(readiness_, ring_.layout->producer_signal, "the ring's producer", ignored)) return false;
  detail::ring_layout& layout = *ring_.layout;
  const bool wait = readiness_->arm(event_of(layout.producer_signal), [&] { return ready(); },
                                    owning_process(layout.consumer.owner));
  // A consumer found dead is reported by the next try_send, not a liveness interval later.
  if (readiness_->peer_ended()) next_liveness_check_ = {};
  return wait;
}

void ring_producer::disarm(bool handle_fired) noexcept {
  if (readiness_ != nullptr) readiness_->disarm(event_of(ring_.layout->producer_signal), handle_fired);
}

bool ring_consumer::ready() noexcept {
  if (ring_.layout == nullptr) return false;
  std::error_code error;
  return has_record(error) || error ||
         ring_.layout->producer.owner.load(std::memory_order_acquire) == detail::ring_owner_detached;
}

native_handle_type ring_consumer::readiness_handle() {
  return detail::report_or_throw("ring_consumer", "readiness", [&](auto& why) {
    if (ring_.layout == nullptr) why = detail::refuse(errc::invalid_argument, "the consumer is not attached");
    else open_readiness(readiness_, ring_.layout->consumer_signal, "the ring's consumer", why);
    return why ? invalid_native_handle : readiness_->handle();
  });
}

native_handle_type ring_consumer::readiness_handle(std::error_code& ec) {
  return detail::report_to(ec, [&](auto& why) {
    if (ring_.layout == nullptr) why = detail::refuse(errc::invalid_argument, "the consumer is not attached");
    else open_readiness(readiness_, ring_.layout->consumer_signal, "the ring's consumer", why);
    return why ? invalid_native_handle : readiness_->handle();
  });
}

bool ring_consumer::arm() noexcept {
  if (ring_.layout == nullptr) return false;
  detail::failure ignored;
  if (!open_readiness(readiness_, ring_.layout->consumer_signal, "the ring's consumer", ignored)) return false;
  detail::ring_layout& layout = *ring_.layout;
  const bool wait = readiness_->arm(event_of(layout.consumer_signal), [&] { return ready(); },
                                    owning_process(layout.producer.owner));
  // A producer found dead is reported by the next try_receive at once.
  if (readiness_->peer_ended()) next_liveness_check_ = {};
  return wait;
}

void ring_consumer::disarm(bool handle_fired) noexcept {
  if (readiness_ != nullptr) readiness_->disarm(event_of(ring_.layout->consumer_signal), handle_fired);
}

}  // namespace xipc
