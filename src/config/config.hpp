#pragma once
// Internal configuration API for the engine and the CLI (the public part is
// include/nuthatch/config.hpp). See DESIGN §6.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nuthatch/value.hpp"

namespace nuthatch::config {

/// A resolved location: the storage URL and driver options for (location, backend).
struct LocationSpec {
  std::string name;     ///< "root", "local", "mirror-public"
  std::string backend;  ///< the backend this was resolved for ("" = any)
  std::string url;      ///< `filesystem` (with a per-backend override applied)
  Value options;        ///< `filesystem_options` (object; secrets resolved)
  bool read_only = false;  ///< mirrors
};

/// Names of configured locations in lookup order: "local", "root", then every
/// "mirror-*" in name order. local and root always exist (they have defaults).
std::vector<std::string> location_names();

/// Resolves a location for a backend. Throws ConfigError for an unknown location, a
/// parameter of the wrong type, or a failing secret provider (naming the parameter).
LocationSpec location(const std::string& name, const std::string& backend = "");

/// Backends with storage of their own at `location`: a per-backend override of
/// `filesystem` or `filesystem_options` there.
std::vector<std::string> overridden_backends(const std::string& location);

/// Incremented on every change (set_parameter, config_parameter, reset_config), so
/// callers can cache resolved values.
std::uint64_t generation();

/// Registers a function called after every configuration change (set_parameter,
/// config_parameter, reset_config) and after the files are read, on the changing thread
/// and outside every configuration lock, so it may read parameters. Listeners live for
/// the process; they apply settings that other layers hold (RuntimeSettings).
void on_change(std::function<void()> listener);
/// Calls the listeners (the configuration changed).
void notify_change();

/// The project directory: nearest ancestor of the working directory holding
/// nuthatch.toml or pyproject.toml, else the working directory.
std::filesystem::path project_dir();

/// One parameter, for print-config.
struct ParamEntry {
  std::string location;
  std::string backend;
  std::string name;
  Value value;         ///< masked ("****") when secret and not show_secrets
  std::string source;  ///< "default", "~/.nuthatch.toml", "<path>/pyproject.toml", "env NUTHATCH_X", "code"
  bool secret = false;
};
/// Every effective parameter (highest-priority source per (location, backend, name)).
/// Calls secret providers only when show_secrets is true.
std::vector<ParamEntry> dump(bool show_secrets);

/// The parameter that lets a location's payloads run code when read (pickle).
inline constexpr std::string_view kTrustPickleParameter = "trust_pickle";

/// Whether payloads that run code when they are read (Codec::runs_code_on_read: pickle)
/// may be loaded from `location`: its `trust_pickle` parameter (for `backend`, else for
/// the whole location); by default true for root and local, false for every mirror.
/// Throws ConfigError when the parameter is not a boolean.
bool trusts_code_payloads(const std::string& location, const std::string& backend = "");

/// The parameter naming how a location's entries are laid out.
inline constexpr std::string_view kLayoutParameter = "layout";

/// Whether `location` is declared in the original Nuthatch 0.4's layout (`layout =
/// "nuthatch-0.4"`, read-only) rather than this engine's (`"nuthatch"`, the default).
/// Throws ConfigError when a location other than a mirror declares it.
bool uses_legacy_layout(const std::string& location);

/// Whether a parameter has a value from anything but the defaults (a file, the
/// environment, code).
bool is_set_by_user(const std::string& name, const std::string& location = "root");

/// Whether a parameter name is secret by its name (secret, password, token, key).
bool is_secret_name(const std::string& name);

}  // namespace nuthatch::config
