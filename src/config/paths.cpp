#include "config/paths.hpp"

#include <pwd.h>
#include <unistd.h>

#include <array>
#include <cstdlib>

#include <fmt/format.h>

#include "nuthatch/error.hpp"

namespace nuthatch::config {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kDefaultStoreDir = ".nuthatch";
constexpr std::int64_t kDefaultMemoizeMaxBytes = std::int64_t{2} << 30;  // 2 GiB
constexpr std::size_t kPasswdBufferSize = 4096;

// $XDG_CACHE_HOME/nuthatch (an XDG path must be absolute), else ~/.cache/nuthatch.
fs::path local_cache_dir() {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  if (xdg != nullptr && fs::path(xdg).is_absolute()) {
    return fs::path(xdg) / "nuthatch";
  }
  if (fs::path home = home_dir(); !home.empty()) return home / ".cache" / "nuthatch";
  return fs::temp_directory_path() / "nuthatch";
}

}  // namespace

fs::path home_dir() {
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') return home;
  passwd entry{};
  passwd* result = nullptr;
  std::array<char, kPasswdBufferSize> buffer{};
  if (getpwuid_r(getuid(), &entry, buffer.data(), buffer.size(), &result) == 0 &&
      result != nullptr && result->pw_dir != nullptr) {
    return result->pw_dir;
  }
  return {};
}

fs::path working_directory() {
  std::error_code error;
  fs::path cwd = fs::current_path(error);
  if (error) throw ConfigError("cannot determine the working directory: " + error.message());
  return cwd;
}

ProjectFile find_project(const fs::path& cwd) {
  constexpr std::array<std::pair<std::string_view, FileKind>, 2> kProjectFiles = {{
      {"nuthatch.toml", FileKind::nuthatch},
      {"pyproject.toml", FileKind::pyproject},
  }};
  for (fs::path dir = cwd;; dir = dir.parent_path()) {
    for (const auto& [file_name, kind] : kProjectFiles) {
      std::error_code error;
      if (fs::is_regular_file(dir / file_name, error)) return {dir, dir / file_name, kind};
    }
    if (dir == dir.parent_path()) break;
  }
  return {cwd, std::nullopt};
}

ProjectFile find_working_project() {
  const char* explicit_file = std::getenv(kProjectConfigEnv.data());
  if (explicit_file == nullptr || *explicit_file == '\0') return find_project(working_directory());
  const fs::path file = fs::absolute(expand_path(explicit_file, working_directory()));
  std::error_code error;
  if (!fs::is_regular_file(file, error)) {
    throw ConfigError(fmt::format("{} names {}, which is not a file", kProjectConfigEnv,
                                  file.string()));
  }
  const FileKind kind = file.filename() == "pyproject.toml" ? FileKind::pyproject : FileKind::nuthatch;
  return {file.parent_path(), file, kind};
}

std::optional<fs::path> global_config_file() {
  if (const char* named = std::getenv(kGlobalConfigEnv.data()); named != nullptr && *named != '\0') {
    return fs::absolute(expand_path(named, working_directory()));
  }
  const fs::path home = home_dir();
  if (home.empty()) return std::nullopt;
  return home / ".nuthatch.toml";
}

std::string expand_path(const std::string& url, const fs::path& project_dir) {
  const auto colon = url.find(':');
  // "s3://b", "memory://x", "file:///p"; not "C:" (one letter) nor "a/b:c".
  const bool has_scheme = colon != std::string::npos && colon > 1 && url.find('/') > colon;
  if (url.empty() || has_scheme) return url;
  if (url == "~") return home_dir().string();
  if (url.starts_with("~/")) return (home_dir() / url.substr(2)).string();
  const fs::path path(url);
  if (path.is_absolute()) return url;
  return (project_dir / path).lexically_normal().string();
}

ParamTable default_parameters(const fs::path& project_dir) {
  ParamTable table;
  auto& root = table[Scope{std::string(kRootLocation), ""}];
  root["filesystem"] = Value((project_dir / kDefaultStoreDir).string());
  root["filesystem_options"] = Value::object();
  root["memoize_max_bytes"] = Value(kDefaultMemoizeMaxBytes);
  root["cache_mode"] = Value("write");
  root["log_level"] = Value("warn");
  auto& local = table[Scope{std::string(kLocalLocation), ""}];
  local["filesystem"] = Value(local_cache_dir().string());
  local["filesystem_options"] = Value::object();
  return table;
}

}  // namespace nuthatch::config
