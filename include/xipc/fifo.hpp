// A named pipe in the filesystem (mkfifo): one-way, half-duplex, between any
// processes that can reach the path; it persists until removed.
//
//   xipc::fifo::create("/tmp/jobs.fifo");
//   auto writer = xipc::fifo::open_writer("/tmp/jobs.fifo", 5s);  // waits for a reader
//   auto reader = xipc::fifo::open_reader("/tmp/jobs.fifo");      // in another process
//   xipc::fifo::remove("/tmp/jobs.fifo");
//
// A FIFO's open waits for the other side. xipc makes that wait explicit and
// bounded: open_writer takes a deadline. The reader cannot be told when a
// writer has opened (only when one has come and gone), so open_reader returns
// at once and read_some waits, with its own deadline, for the first bytes;
// it reports end_of_stream only after a writer has come and gone.
//
// Windows has no FIFOs: there the path holds a marker file and the bytes go
// through a named pipe, one writer at a time (docs/windows.md).
//
// Thread safety: a reader or writer is used by one thread at a time; the
// static functions may be called from any thread.
#pragma once

#include <span>
#include <string_view>
#include <system_error>

#include <xipc/concepts.hpp>
#include <xipc/deadline.hpp>
#include <xipc/error.hpp>
#include <xipc/detail/owned_handle.hpp>
#include <xipc/permissions.hpp>

namespace xipc {
namespace detail {
struct failure;
}

class fifo_reader : public detail::owned_handle {
 public:
  fifo_reader() noexcept = default;
  explicit fifo_reader(native_handle_type handle) noexcept : detail::owned_handle(handle) {}

  // Waits until `until` for bytes; errc::end_of_stream once a writer has come
  // and every writer has gone (not before the first writer).
  [[nodiscard]] io_result read_some(std::span<std::byte> buffer, deadline until) noexcept;
  [[nodiscard]] io_result try_read_some(std::span<std::byte> buffer) noexcept {
    return read_some(buffer, deadline::immediately());
  }
};

class fifo_writer : public detail::owned_handle {
 public:
  fifo_writer() noexcept = default;
  explicit fifo_writer(native_handle_type handle) noexcept : detail::owned_handle(handle) {}

  // Waits until `until` for room; errc::peer_closed once every reader is gone.
  [[nodiscard]] io_result write_some(std::span<const std::byte> data, deadline until) noexcept;
  [[nodiscard]] io_result try_write_some(std::span<const std::byte> data) noexcept {
    return write_some(data, deadline::immediately());
  }
};

static_assert(byte_source<fifo_reader>);
static_assert(byte_sink<fifo_writer>);

struct fifo {
  // Makes a FIFO at `path` with exactly `perms` (the umask does not apply).
  // errc::already_exists when anything is at the path. The mode is set
  // through a descriptor of the FIFO just made, never by the path again.
  static void create(std::string_view path, permissions perms = permissions::owner_only());
  static void create(std::string_view path, permissions perms, std::error_code& ec);

  // Removes the FIFO at `path`; false if there was nothing. A path that is
  // not a FIFO is errc::invalid_argument and is left alone.
  static bool remove(std::string_view path);
  static bool remove(std::string_view path, std::error_code& ec);

  // Opens for reading, at once (see above). errc::not_found for a missing
  // path, errc::invalid_argument for a path that is not a FIFO, and
  // errc::permission_denied for a FIFO not trusted under `perms` (another
  // owner than the caller or perms.trusted_uid, or a wider mode than
  // perms.bits; POSIX), naming the owner and mode found.
  static fifo_reader open_reader(std::string_view path, permissions perms = permissions::owner_only());
  static fifo_reader open_reader(std::string_view path, std::error_code& ec,
                                 permissions perms = permissions::owner_only());

  // Opens for writing, waiting until `until` for a reader to be there:
  // errc::timed_out (errc::would_block when immediate) while none is. The
  // FIFO is checked under `perms` as open_reader checks it.
  static fifo_writer open_writer(std::string_view path, deadline until = deadline::forever(),
                                 permissions perms = permissions::owner_only());
  static fifo_writer open_writer(std::string_view path, deadline until, std::error_code& ec,
                                 permissions perms = permissions::owner_only());

 private:
  static bool create(std::string_view path, permissions perms, detail::failure& why);
  static bool remove(std::string_view path, detail::failure& why);
  static fifo_reader open_reader(std::string_view path, permissions perms, detail::failure& why);
  static fifo_writer open_writer(std::string_view path, deadline until, permissions perms, detail::failure& why);
};

}  // namespace xipc
