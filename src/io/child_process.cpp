// What child_process does the same on every OS; the backend spawns, waits and kills.
#include <xipc/child_process.hpp>

#include <utility>

#include "core/setup_error.hpp"

namespace xipc {

child_process child_process::spawn(std::string_view program, std::span<const std::string> args,
                                   const spawn_options& options) {
  return detail::report_or_throw("child_process", program,
                                 [&](auto& why) { return spawn(program, args, options, why); });
}

child_process child_process::spawn(std::string_view program, std::span<const std::string> args,
                                   const spawn_options& options, std::error_code& ec) {
  return detail::report_to(ec, [&](auto& why) { return spawn(program, args, options, why); });
}

child_process::child_process(child_process&& other) noexcept { *this = std::move(other); }

child_process& child_process::operator=(child_process&& other) noexcept {
  if (this != &other) {
    end_child();
    id_ = std::exchange(other.id_, -1);
    ended_ = other.ended_;
    status_ = other.status_;
    process_ = std::move(other.process_);
    in_ = std::move(other.in_);
    out_ = std::move(other.out_);
    err_ = std::move(other.err_);
  }
  return *this;
}

child_process::~child_process() { end_child(); }

void child_process::end_child() noexcept {
  if (id_ > 0 && !ended_) {
    kill();
    exit_status ignored;
    static_cast<void>(wait(ignored));
  }
  id_ = -1;
}

void child_process::detach() noexcept {
  id_ = -1;
  process_.close();
}

}  // namespace xipc
