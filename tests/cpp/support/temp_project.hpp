#pragma once
// A throwaway project directory for tests: a fresh temp dir as the working directory,
// HOME and XDG_CACHE_HOME inside it, no NUTHATCH_* variables, a nuthatch.toml naming
// root/ and local/ inside it, configuration and memoizer reset.

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "nuthatch/config.hpp"
#include "nuthatch/engine.hpp"

namespace nuthatch::testing {

class TempProject {
 public:
  explicit TempProject(const std::string& extra_toml = "") {
    char tmpl[] = "/tmp/nuthatch-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
    old_cwd_ = std::filesystem::current_path();
    std::filesystem::current_path(dir_);
    setenv("HOME", (dir_ / "home").c_str(), 1);
    setenv("XDG_CACHE_HOME", (dir_ / "xdg").c_str(), 1);
    for (char** e = environ; e && *e;) {
      std::string kv = *e;
      if (kv.rfind("NUTHATCH_", 0) == 0) {
        unsetenv(kv.substr(0, kv.find('=')).c_str());
        e = environ;
      } else {
        ++e;
      }
    }
    write_toml(extra_toml);
  }
  ~TempProject() {
    std::filesystem::current_path(old_cwd_);
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    reset_config();
    clear_memoizer();
  }
  void write_toml(const std::string& extra) {
    std::ofstream(dir_ / "nuthatch.toml")
        << "[nuthatch]\nfilesystem = \"" << root().string() << "\"\n"
        << extra << "\n[nuthatch.local]\nfilesystem = \"" << local().string() << "\"\n";
    reset_config();
    clear_memoizer();
  }
  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path root() const { return dir_ / "root"; }
  std::filesystem::path local() const { return dir_ / "local"; }

 private:
  std::filesystem::path dir_;
  std::filesystem::path old_cwd_;
};

}  // namespace nuthatch::testing
