#pragma once
// Where configuration comes from on this machine: the home directory, the project
// directory and its file, and the built-in defaults that depend on them.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "config/params.hpp"
#include "config/toml_file.hpp"

namespace nuthatch::config {

/// $HOME, else the password database's entry; empty when neither is known.
std::filesystem::path home_dir();

/// The working directory; throws ConfigError when it cannot be determined.
std::filesystem::path working_directory();

struct ProjectFile {
  std::filesystem::path dir;                 ///< the project directory
  std::optional<std::filesystem::path> file;  ///< its nuthatch.toml / pyproject.toml
  FileKind kind = FileKind::nuthatch;
};

/// The nearest ancestor of `cwd` (itself included) holding nuthatch.toml (preferred) or
/// pyproject.toml; `cwd` without a file when there is none.
ProjectFile find_project(const std::filesystem::path& cwd);

/// Names the project file explicitly (the next Nuthatch release's variable): no search.
inline constexpr std::string_view kProjectConfigEnv = "NUTHATCH_PROJECT_CONFIG";
/// Names the global file, in place of ~/.nuthatch.toml.
inline constexpr std::string_view kGlobalConfigEnv = "NUTHATCH_GLOBAL_CONFIG";

/// The project of this process: the file NUTHATCH_PROJECT_CONFIG names (its directory is
/// the project's; ConfigError when it is not a file), else find_project(working directory).
ProjectFile find_working_project();

/// NUTHATCH_GLOBAL_CONFIG (a "~" or a relative path expanded), else ~/.nuthatch.toml;
/// none when the home directory is unknown. The file need not exist.
std::optional<std::filesystem::path> global_config_file();

/// The storage URL for a configured `filesystem`: "~" is the home directory and a
/// relative path is relative to the project directory (not the working directory, which
/// may be any folder below it). URLs ("s3://...", "file:///...") are left alone.
std::string expand_path(const std::string& url, const std::filesystem::path& project_dir);

/// Built-in defaults: root filesystem <project>/.nuthatch, local filesystem
/// $XDG_CACHE_HOME/nuthatch or ~/.cache/nuthatch, empty filesystem_options,
/// memoize_max_bytes 2 GiB, cache_mode "write", log_level "warn".
ParamTable default_parameters(const std::filesystem::path& project_dir);

}  // namespace nuthatch::config
