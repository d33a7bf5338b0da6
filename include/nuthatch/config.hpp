#pragma once
/// Configuration (DESIGN §6). Sources, later wins: built-in defaults < the global file
/// (~/.nuthatch.toml, or the file NUTHATCH_GLOBAL_CONFIG names) < the project file (the
/// file NUTHATCH_PROJECT_CONFIG names, else the nearest nuthatch.toml / pyproject.toml
/// ([tool.nuthatch]) walking up from the working directory) < NUTHATCH_* environment
/// variables < set_parameter / config_parameter in code. Both the original Nuthatch's
/// 0.4 format and its next release's ([root], [local], [mirrors.<name>], which is the
/// location mirror-<name>) are read.
///
/// A parameter lives at (location, backend, name): location "root" (the default),
/// "local", or "mirror-<anything>"; backend "" (all backends) or a backend name that
/// overrides the location for that backend only. Secret parameters (marked, or named
/// with secret / password / token / key) are masked as **** in every log line, error
/// message and print-config. All functions are thread-safe.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "nuthatch/value.hpp"

namespace nuthatch {

struct ParamOptions {
  std::string location = "root";
  std::string backend;  ///< "" = every backend
  bool secret = false;
};

/// Sets a parameter in code (the highest-priority source).
void set_parameter(const std::string& name, Value value, const ParamOptions& options = {});

/// Registers a provider called lazily, when the parameter is first needed (and again
/// after the configuration changes). An exception from the provider becomes a
/// ConfigError naming the parameter; nothing stored is touched.
void config_parameter(const std::string& name, std::function<Value()> provider,
                      const ParamOptions& options = {});

/// The effective value of a parameter: (location, backend) then (location, all
/// backends). std::nullopt when unset everywhere.
std::optional<Value> get_parameter(const std::string& name, const std::string& location = "root",
                                   const std::string& backend = "");

/// The effective value of a size parameter (a byte count, or a text such as "4GB" or
/// "512MiB") in bytes, as get_parameter() resolves it; std::nullopt when unset. Throws
/// ConfigError naming the parameter when its value is not a size.
std::optional<std::uint64_t> get_size_parameter(const std::string& name,
                                                const std::string& location = "root",
                                                const std::string& backend = "");

/// Forgets parameters set in code and packages' configurations (add_package_config),
/// and re-reads files and environment (the working directory is looked at again). For
/// tests and long-running tools.
void reset_config();

/// Replaces every known secret value in `text` by ****.
std::string redact(std::string text);

/// The global configuration file: NUTHATCH_GLOBAL_CONFIG, else ~/.nuthatch.toml (which
/// need not exist); std::nullopt when no home directory is known.
std::optional<std::string> global_config_path();

/// Configuration scoped by package, as the original Nuthatch's: the configuration file of
/// the project that holds `module_file` (the nearest nuthatch.toml / pyproject.toml above
/// it) is read too, for the functions of `package` (a top-level package name). A module of
/// the working directory's project adds nothing. A module of another project that is
/// not installed adds its file above the working directory's project file. A module of
/// an *installed* package (its path has a site-packages or dist-packages folder) cannot
/// redirect the user's locations: its root becomes the read-only mirror
/// `mirror-<package>-root`, its `mirror` `mirror-<package>`, its `mirror<x>` (e.g.
/// `mirror2`, `mirror-x`) `mirror-<package>-<x>`, and its `local` is ignored, unless the
/// environment variable NUTHATCH_ALLOW_INSTALLED_PACKAGE_CONFIGURATION is true (1, t,
/// true), which merges it as a project of its own. Registering a module's folder twice
/// is a no-op; reset_config() forgets the registrations. A malformed file is a
/// ConfigError on the next use of the configuration, naming it.
void add_package_config(const std::string& package, const std::string& module_file);

/// Where a parameter set in code by a module of `package` (at `module_file`) for
/// `location` goes under the same rule: `location` itself, or the package's mirror name
/// for an installed package; std::nullopt for `local` of an installed package (ignored).
std::optional<std::string> package_parameter_location(const std::string& package,
                                                      const std::string& module_file,
                                                      const std::string& location);

}  // namespace nuthatch
