// A named region of memory that several processes map at once.
//
//   auto region = xipc::shared_memory::create("jobs", 4096);   // producer
//   auto view   = xipc::shared_memory::open("jobs");           // consumer
//   xipc::shared_memory::remove("jobs");                       // when done
//
// On POSIX the object persists until remove() (like a file); the mapping
// lives until the shared_memory object is destroyed. See docs/shared_memory.md.
// Thread safety: an object may be used from many threads at once (its data()
// is plain memory: what goes into it is the caller's to synchronize); moving
// or assigning it must not race with other use.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include <xipc/concepts.hpp>
#include <xipc/detail/mapped_region.hpp>
#include <xipc/name.hpp>
#include <xipc/passable.hpp>
#include <xipc/permissions.hpp>

namespace xipc {
namespace detail {
struct failure;
struct mailbox_state;
struct handle_passing;
struct sync_regions;
}

struct shared_memory_options {
  permissions perms = permissions::owner_only();
};

class shared_memory : public detail::mapped_region {
 public:
  // An empty object: not open, data() == nullptr, size() == 0.
  shared_memory() noexcept = default;

  // Creates the object exclusively (errc::already_exists if present), sizes
  // it to `size` bytes (zero-filled) and maps it read-write.
  // errc::invalid_argument for size 0, errc::invalid_name for a bad name.
  static shared_memory create(std::string_view name, std::size_t size, const shared_memory_options& options = {});
  static shared_memory create(std::string_view name, std::size_t size, std::error_code& ec,
                              const shared_memory_options& options = {});

  // Opens an existing object and maps all of it: errc::not_found if absent.
  // The object must be trusted under options.perms (permissions.hpp): owned
  // by the calling user (or permissions::trusting's uid), its mode no wider
  // than options.perms.bits; else errc::permission_denied, naming the owner
  // and the mode found.
  static shared_memory open(std::string_view name, access mode = access::read_write,
                            const shared_memory_options& options = {});
  static shared_memory open(std::string_view name, access mode, std::error_code& ec,
                            const shared_memory_options& options = {});

  // Opens the object if it exists, else creates it with `size` bytes. An
  // existing object is checked as open checks it; one smaller than `size` is
  // errc::invalid_argument, a larger one is mapped whole.
  static shared_memory open_or_create(std::string_view name, std::size_t size,
                                      const shared_memory_options& options = {});
  static shared_memory open_or_create(std::string_view name, std::size_t size, std::error_code& ec,
                                      const shared_memory_options& options = {});

  // Removes the name: later opens fail, existing mappings stay valid.
  // Returns false when no such object existed.
  static bool remove(std::string_view name);
  static bool remove(std::string_view name, std::error_code& ec);

  // The portable name it was created or opened with.
  const std::string& name() const noexcept { return name_; }

 private:
  shared_memory(native_handle_type handle, detail::mapped_view view, std::string name) noexcept
      : mapped_region(handle, view), name_(std::move(name)) {}

  // What each backend implements; the public overloads above report `why`.
  // A mailbox keeps its control region in the mailbox namespace (`kind`).
  static shared_memory create(std::string_view name, std::size_t size, const shared_memory_options& options,
                              detail::failure& why, name_kind kind = name_kind::shared_memory);
  static shared_memory open(std::string_view name, access mode, const shared_memory_options& options,
                            detail::failure& why, name_kind kind = name_kind::shared_memory);
  static shared_memory open_or_create(std::string_view name, std::size_t size, const shared_memory_options& options,
                                      detail::failure& why, name_kind kind = name_kind::shared_memory);
  static bool remove(std::string_view name, detail::failure& why, name_kind kind = name_kind::shared_memory);
  // Build on the failure& forms, to keep the OS call in their messages.
  friend class ring_channel;
  friend class broadcast;
  friend class mailbox;
  friend struct detail::mailbox_state;
  friend struct detail::handle_passing;  // a region received from another process
  friend class semaphore;
  friend class process_mutex;
  friend class process_condition;
  friend struct detail::sync_regions;

  std::string name_;
};

static_assert(memory_region<shared_memory>);

// shared_memory travels to other processes (xipc/handle_passing.hpp) with its name.
template <>
struct handle_traits<shared_memory> : passable_as<handle_kind::shared_memory> {};

}  // namespace xipc
