#pragma once
/// Configuration (DESIGN §6). Sources, later wins: built-in defaults < ~/.nuthatch.toml <
/// the nearest nuthatch.toml / pyproject.toml ([tool.nuthatch]) walking up from the
/// working directory < NUTHATCH_* environment variables < set_parameter /
/// config_parameter in code.
///
/// A parameter lives at (location, backend, name): location "root" (the default),
/// "local", or "mirror-<anything>"; backend "" (all backends) or a backend name that
/// overrides the location for that backend only. Secret parameters (marked, or named
/// with secret / password / token / key) are masked as **** in every log line, error
/// message and print-config. All functions are thread-safe.

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

/// Forgets parameters set in code and re-reads files and environment (the working
/// directory is looked at again). For tests and long-running tools.
void reset_config();

/// Replaces every known secret value in `text` by ****.
std::string redact(std::string text);

}  // namespace nuthatch
