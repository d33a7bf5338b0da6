#pragma once
// Each configuration test runs in a fresh temporary directory as the working directory,
// with HOME and XDG_CACHE_HOME pointing at temporary directories and every NUTHATCH_*
// variable cleared; the original environment comes back afterwards.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "nuthatch/config.hpp"

extern char** environ;

namespace nuthatch {
// Readable Values in test failure messages.
inline void PrintTo(const Value& value, std::ostream* out) { *out << value.to_string(); }
}  // namespace nuthatch

namespace nuthatch::config::testing {

namespace fs = std::filesystem;

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "nuthatch-config-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    base_ = fs::canonical(pattern);
    home_ = base_ / "home";
    xdg_ = base_ / "xdg";
    work_ = base_ / "work";
    for (const fs::path& dir : {home_, xdg_, work_}) fs::create_directories(dir);
    old_cwd_ = fs::current_path();
    fs::current_path(work_);

    std::vector<std::string> nuthatch_vars;
    for (char** entry = environ; *entry != nullptr; ++entry) {
      std::string_view text(*entry);
      if (text.starts_with("NUTHATCH_")) nuthatch_vars.emplace_back(text.substr(0, text.find('=')));
    }
    for (const std::string& name : nuthatch_vars) unset_env(name);
    set_env("HOME", home_.string());
    set_env("XDG_CACHE_HOME", xdg_.string());
    reset_config();
  }

  void TearDown() override {
    fs::current_path(old_cwd_);
    for (const auto& [name, value] : saved_env_) {
      if (value) {
        setenv(name.c_str(), value->c_str(), 1);
      } else {
        unsetenv(name.c_str());
      }
    }
    std::error_code ignored;
    fs::remove_all(base_, ignored);
    reset_config();
  }

  // Sets an environment variable for this test only.
  void set_env(const std::string& name, const std::string& value) {
    save_env(name);
    setenv(name.c_str(), value.c_str(), 1);
  }

  void unset_env(const std::string& name) {
    save_env(name);
    unsetenv(name.c_str());
  }

  static void write_file(const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
  }

  // Makes `dir` (created if needed) the working directory and forgets the configuration.
  static void enter(const fs::path& dir) {
    fs::create_directories(dir);
    fs::current_path(dir);
    reset_config();
  }

  fs::path base_, home_, xdg_, work_;

 private:
  void save_env(const std::string& name) {
    if (saved_env_.contains(name)) return;
    const char* value = std::getenv(name.c_str());
    saved_env_[name] = value ? std::optional<std::string>(value) : std::nullopt;
  }

  fs::path old_cwd_;
  std::map<std::string, std::optional<std::string>> saved_env_;
};

// The message of the ConfigError `f` throws ("" when it throws nothing).
template <class F>
std::string config_error_of(F&& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a ConfigError";
  return "";
}

}  // namespace nuthatch::config::testing
