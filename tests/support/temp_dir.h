// A fresh folder under the system's temporary directory for one test, removed
// with everything in it when the test ends. Names carry the process id and a
// counter, so parallel test processes never share one.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <string>

namespace archscope::testing {

class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "archscope-test")
      : path_(std::filesystem::temp_directory_path() /
              (prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++))) {
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

}  // namespace archscope::testing
