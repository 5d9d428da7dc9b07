// A named OS memory object opened or made without xipc, by its OS name
// (xipc::os_name): how tests reach a ring's or a mailbox's region to damage it
// or to plant a squatter's object, since no public name of one kind reaches
// another kind's objects.
#pragma once

#include <cstddef>
#include <string>

#include <xipc/name.hpp>

namespace xipc::test {

class raw_region {
 public:
  // Maps the existing object of `kind` and `name` read-write, whole; throws std::runtime_error if it cannot.
  static raw_region open(name_kind kind, const std::string& name);
  // Makes an object of `kind` and `name` of `size` zero bytes with mode `mode`
  // (Windows: a DACL for this user, and for everyone when `mode` has group or
  // other bits), mapped read-write.
  static raw_region create(name_kind kind, const std::string& name, std::size_t size, unsigned mode = 0600);
  // Removes the object's name.
  static void remove(name_kind kind, const std::string& name);

  raw_region(raw_region&& other) noexcept;
  raw_region& operator=(raw_region&&) = delete;
  ~raw_region();

  std::byte* data() const noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }

 private:
  raw_region(std::byte* data, std::size_t size, void* handle) : data_(data), size_(size), handle_(handle) {}
  std::byte* data_;
  std::size_t size_;
  void* handle_;  // Windows: the section; POSIX: unused
};

}  // namespace xipc::test
