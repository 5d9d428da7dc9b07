#include <xipc/error.hpp>

#include <string>

namespace xipc {
namespace {

class xipc_category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "xipc"; }

  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::timed_out: return "timed out";
      case errc::would_block: return "operation would block";
      case errc::peer_closed: return "peer closed";
      case errc::end_of_stream: return "end of stream";
      case errc::message_too_large: return "message too large";
      case errc::corrupted: return "corrupted data";
      case errc::already_exists: return "object already exists";
      case errc::not_found: return "object not found";
      case errc::invalid_name: return "invalid name";
      case errc::invalid_argument: return "invalid argument";
      case errc::out_of_range: return "out of range";
      case errc::busy: return "object busy";
      case errc::permission_denied: return "permission denied";
      case errc::owner_died: return "previous owner died";
      case errc::not_recoverable: return "state not recoverable";
      case errc::not_supported: return "not supported";
    }
    return "unknown xipc error " + std::to_string(value);
  }

  // Lets callers compare with the standard conditions: ec == std::errc::timed_out.
  std::error_condition default_error_condition(int value) const noexcept override {
    switch (static_cast<errc>(value)) {
      case errc::timed_out: return std::errc::timed_out;
      case errc::would_block: return std::errc::operation_would_block;
      case errc::peer_closed: return std::errc::broken_pipe;
      case errc::message_too_large: return std::errc::message_size;
      case errc::already_exists: return std::errc::file_exists;
      case errc::not_found: return std::errc::no_such_file_or_directory;
      case errc::invalid_argument: return std::errc::invalid_argument;
      case errc::out_of_range: return std::errc::result_out_of_range;
      case errc::busy: return std::errc::device_or_resource_busy;
      case errc::permission_denied: return std::errc::permission_denied;
      case errc::owner_died: return std::errc::owner_dead;
      case errc::not_recoverable: return std::errc::state_not_recoverable;
      case errc::not_supported: return std::errc::not_supported;
      default: return {value, *this};
    }
  }
};

}  // namespace

const std::error_category& error_category() noexcept {
  static const xipc_category category;
  return category;
}

}  // namespace xipc
