// How the fuzz targets read their input: a script of opcode bytes, each
// followed by the operands it needs; past the end, every read is 0. And the
// zeroed, line-aligned memory of exactly the asked size that a shared region
// lives in, so that AddressSanitizer flags a byte past its end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <span>

namespace xipc::fuzz {

class script {
 public:
  script(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  bool done() const { return at_ >= size_; }
  std::uint8_t byte() { return at_ < size_ ? data_[at_++] : 0; }
  std::uint16_t u16() { return static_cast<std::uint16_t>(byte() | byte() << 8); }
  std::uint64_t u64() {
    std::uint64_t value = 0;
    for (int i = 0; i < 8; ++i) value |= std::uint64_t{byte()} << (8 * i);
    return value;
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t at_ = 0;
};

struct aligned_memory {
  explicit aligned_memory(std::size_t size) : size(size), data(static_cast<std::byte*>(::operator new(size, std::align_val_t{128}))) {
    std::memset(data, 0, size);
  }
  ~aligned_memory() { ::operator delete(data, std::align_val_t{128}); }
  aligned_memory(const aligned_memory&) = delete;
  aligned_memory& operator=(const aligned_memory&) = delete;
  std::span<std::byte> bytes() const { return {data, size}; }
  // A hostile write: any aligned 8 bytes, where and what the script says.
  void overwrite_word(script& in) {
    const std::size_t at = in.u16() % (size / 8) * 8;
    const std::uint64_t value = in.u64();
    std::memcpy(data + at, &value, 8);
  }
  std::size_t size;
  std::byte* data;
};

}  // namespace xipc::fuzz
