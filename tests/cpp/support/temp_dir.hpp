#pragma once
// A fresh directory under the system's temporary directory, removed with everything in it
// when the object goes. For tests that need a `file` location of their own without a
// whole project (see temp_project.hpp for that).

#include <unistd.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

namespace nuthatch::testing {

class TempDir {
 public:
  explicit TempDir(const std::string& tag = "dir") {
    std::string pattern =
        (std::filesystem::temp_directory_path() / ("nuthatch-" + tag + "-XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("cannot create a temporary directory from " + pattern);
    }
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string string() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace nuthatch::testing
