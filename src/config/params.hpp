#pragma once
// Vocabulary shared by the configuration sources: where a parameter lives (Scope), one
// source's parameters (ParamTable), and the parameters nuthatch itself knows, with the
// kind of value each must have.

#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nuthatch/value.hpp"

namespace nuthatch::config {

inline constexpr std::string_view kRootLocation = "root";
inline constexpr std::string_view kLocalLocation = "local";
inline constexpr std::string_view kMirrorPrefix = "mirror-";
/// Every location whose name starts with it is a mirror (is_mirror_name).
inline constexpr std::string_view kMirrorStem = "mirror";

/// Where a parameter lives: a location and a backend ("" = every backend).
struct Scope {
  std::string location;
  std::string backend;

  friend auto operator<=>(const Scope&, const Scope&) = default;
};

/// One source's parameters: scope -> parameter name -> value.
using ParamTable = std::map<Scope, std::map<std::string, Value>>;

/// "root", "local", or a mirror: any name starting with "mirror" ("mirror", "mirror2",
/// "mirror-public"; letters, digits, - and _).
bool is_location_name(std::string_view name);
bool is_mirror_name(std::string_view name);

/// A byte size written as the original Nuthatch's configuration writes them ("2GB",
/// "100 KB", "512MiB", "1000000"): decimal units (KB = 1000 bytes, as Python's
/// humanfriendly), binary ones with an i (KiB = 1024); std::nullopt when it is not one.
std::optional<std::uint64_t> parse_byte_size(std::string_view text);
/// Throws ConfigError naming `name` and the valid forms unless is_location_name(name).
void check_location_name(const std::string& name);

/// "location root" or "location root, backend zarr", for messages.
std::string describe(const Scope& scope);

/// Whether a parameter's value is itself a table (filesystem_options, backend_kwargs,
/// storage_backend_kwargs). A TOML sub-table with such a name is a value; any other
/// sub-table of a location is a per-backend override.
bool is_table_parameter(std::string_view name);

/// Names of the parameters nuthatch knows, longest first (so a suffix match finds
/// storage_backend_kwargs before backend_kwargs).
std::vector<std::string_view> known_parameter_names();
bool is_known_parameter(std::string_view name);

/// Whether a known parameter takes a string (so an environment value is never parsed as
/// JSON for it).
bool is_string_parameter(std::string_view name);

/// Throws ConfigError naming the parameter, its scope and `source` when a parameter
/// nuthatch knows has a value of the wrong kind (or an invalid value, such as an
/// unknown cache mode). Parameters nuthatch does not know are accepted as they are.
void check_parameter(const std::string& name, const Value& value, const Scope& scope,
                     std::string_view source);

}  // namespace nuthatch::config
