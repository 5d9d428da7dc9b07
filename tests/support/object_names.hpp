// Unique object names for one test, removed when the test ends, whether it
// passed or failed, so that a run leaves nothing behind in /dev/shm.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace xipc::test {

// A name unique to this process and call, with `label` for the reader:
// "xt<pid>.<counter>.<label>", cut to the portable-name limit.
std::string unique_name(std::string_view label);

class object_names {
 public:
  using remover = std::function<void(const std::string&)>;

  explicit object_names(remover remove) : remove_(std::move(remove)) {}
  object_names(const object_names&) = delete;
  object_names& operator=(const object_names&) = delete;
  ~object_names() {
    for (const auto& name : names_) remove_(name);
  }

  // A new unique name, removed when this object goes.
  std::string make(std::string_view label) { return names_.emplace_back(unique_name(label)); }

 private:
  remover remove_;
  std::vector<std::string> names_;
};

}  // namespace xipc::test
