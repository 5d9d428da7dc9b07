// sysv_shared_memory where the build has no System V shared memory
// (XIPC_HAS_SYSV_SHM is 0): every setup call is refused, saying so.
#include <xipc/sysv_shared_memory.hpp>

#include "core/setup_error.hpp"
#include "memory/sysv_segments.hpp"

namespace xipc {
namespace {

detail::failure not_here() {
  return detail::refuse(errc::invalid_argument,
                        "System V shared memory is part of xipc's Linux build only; use shared_memory");
}

}  // namespace

sysv_shared_memory::~sysv_shared_memory() = default;

sysv_shared_memory sysv_shared_memory::create(std::string_view, std::size_t, const sysv_shared_memory_options&,
                                              detail::failure& why) {
  why = not_here();
  return {};
}

sysv_shared_memory sysv_shared_memory::open(std::string_view, access, const sysv_shared_memory_options&,
                                            detail::failure& why) {
  why = not_here();
  return {};
}

bool sysv_shared_memory::remove(std::string_view, detail::failure& why) {
  why = not_here();
  return false;
}

std::vector<detail::sysv_segment> detail::list_sysv_segments(bool) { return {}; }

}  // namespace xipc
