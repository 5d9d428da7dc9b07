// Atomic loads and stores of a 64-bit word in shared memory that is not
// declared std::atomic (a ring record's header word). std::atomic_ref where
// the standard library has it; elsewhere (Apple's libc++ 16 has none) the
// compiler builtins that atomic_ref is made of, with the same orders.
//
// Thread safety: a value type over one word; concurrent loads and stores
// through any number of them are atomic, as std::atomic_ref's are.
#pragma once

#include <atomic>
#include <cstdint>

namespace xipc::detail {

class shared_word_ref {
 public:
  explicit shared_word_ref(std::uint64_t& word) noexcept : word_(&word) {}

#if defined(__cpp_lib_atomic_ref)
  std::uint64_t load(std::memory_order order) const noexcept { return std::atomic_ref<std::uint64_t>(*word_).load(order); }
  void store(std::uint64_t value, std::memory_order order) const noexcept {
    std::atomic_ref<std::uint64_t>(*word_).store(value, order);
  }
#else
  // std::memory_order's values are the builtins' __ATOMIC_* constants.
  std::uint64_t load(std::memory_order order) const noexcept { return __atomic_load_n(word_, static_cast<int>(order)); }
  void store(std::uint64_t value, std::memory_order order) const noexcept {
    __atomic_store_n(word_, value, static_cast<int>(order));
  }
#endif

 private:
  std::uint64_t* word_;
};

}  // namespace xipc::detail
