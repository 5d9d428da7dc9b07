#include "support/raw_region.hpp"

#include <xipc/detail/config.hpp>

#include <stdexcept>
#include <utility>

#if XIPC_OS_WINDOWS
#include <windows.h>
#include <sddl.h>
#else
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace xipc::test {
namespace {

[[noreturn]] void fail(const std::string& what, const std::string& name) {
  throw std::runtime_error("raw_region: " + what + " failed for " + name);
}

#if XIPC_OS_WINDOWS
std::wstring wide(const std::string& text) { return {text.begin(), text.end()}; }
#endif

}  // namespace

raw_region raw_region::open(name_kind kind, const std::string& name) {
  const std::string path = os_name(kind, name);
#if XIPC_OS_WINDOWS
  HANDLE section = ::OpenFileMappingW(FILE_MAP_READ | FILE_MAP_WRITE, FALSE, wide(path).c_str());
  if (section == nullptr) fail("OpenFileMappingW", path);
  void* base = ::MapViewOfFile(section, FILE_MAP_READ | FILE_MAP_WRITE, 0, 0, 0);
  MEMORY_BASIC_INFORMATION info{};
  if (base == nullptr || ::VirtualQuery(base, &info, sizeof info) == 0) fail("MapViewOfFile", path);
  return raw_region(static_cast<std::byte*>(base), info.RegionSize, section);
#else
  const int fd = ::shm_open(path.c_str(), O_RDWR, 0);
  if (fd < 0) fail("shm_open", path);
  struct stat info {};
  ::fstat(fd, &info);
  const auto size = static_cast<std::size_t>(info.st_size);
  void* base = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  ::close(fd);
  if (base == MAP_FAILED) fail("mmap", path);
  return raw_region(static_cast<std::byte*>(base), size, nullptr);
#endif
}

raw_region raw_region::create(name_kind kind, const std::string& name, std::size_t size, unsigned mode) {
  const std::string path = os_name(kind, name);
#if XIPC_OS_WINDOWS
  // The creator's own object: a DACL for this user alone (mode 0600), or for everyone too.
  HANDLE token = nullptr;
  ::OpenProcessToken(::GetCurrentProcess(), TOKEN_QUERY, &token);
  char user[512];
  DWORD length = 0;
  ::GetTokenInformation(token, TokenUser, user, sizeof user, &length);
  ::CloseHandle(token);
  LPWSTR sid = nullptr;
  ::ConvertSidToStringSidW(reinterpret_cast<TOKEN_USER*>(user)->User.Sid, &sid);
  std::wstring sddl = std::wstring(L"D:P(A;;GA;;;") + sid + L")" + ((mode & 077) != 0 ? L"(A;;GA;;;WD)" : L"");
  ::LocalFree(sid);
  SECURITY_ATTRIBUTES security{sizeof security, nullptr, FALSE};
  ::ConvertStringSecurityDescriptorToSecurityDescriptorW(sddl.c_str(), SDDL_REVISION_1, &security.lpSecurityDescriptor,
                                                         nullptr);
  HANDLE section = ::CreateFileMappingW(INVALID_HANDLE_VALUE, &security, PAGE_READWRITE, 0,
                                        static_cast<DWORD>(size), wide(path).c_str());
  ::LocalFree(security.lpSecurityDescriptor);
  if (section == nullptr) fail("CreateFileMappingW", path);
  void* base = ::MapViewOfFile(section, FILE_MAP_READ | FILE_MAP_WRITE, 0, 0, size);
  if (base == nullptr) fail("MapViewOfFile", path);
  return raw_region(static_cast<std::byte*>(base), size, section);
#else
  const int fd = ::shm_open(path.c_str(), O_RDWR | O_CREAT | O_EXCL, mode);
  if (fd < 0) fail("shm_open", path);
  ::fchmod(fd, static_cast<mode_t>(mode));
  if (::ftruncate(fd, static_cast<off_t>(size)) != 0) fail("ftruncate", path);
  void* base = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  ::close(fd);
  if (base == MAP_FAILED) fail("mmap", path);
  return raw_region(static_cast<std::byte*>(base), size, nullptr);
#endif
}

void raw_region::remove(name_kind kind, const std::string& name) {
#if XIPC_OS_WINDOWS
  static_cast<void>(kind);
  static_cast<void>(name);  // a section goes with its last handle
#else
  ::shm_unlink(os_name(kind, name).c_str());
#endif
}

raw_region::raw_region(raw_region&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(other.size_), handle_(std::exchange(other.handle_, nullptr)) {}

raw_region::~raw_region() {
  if (data_ == nullptr) return;
#if XIPC_OS_WINDOWS
  ::UnmapViewOfFile(data_);
  ::CloseHandle(handle_);
#else
  ::munmap(data_, size_);
#endif
}

}  // namespace xipc::test
