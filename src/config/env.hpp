#pragma once
// Parameters from NUTHATCH_* environment variables:
//   NUTHATCH_<PARAM>                       root, every backend
//   NUTHATCH_<LOCATION>_<PARAM>            e.g. NUTHATCH_LOCAL_FILESYSTEM
//   NUTHATCH_<LOCATION>_<BACKEND>_<PARAM>  e.g. NUTHATCH_ROOT_ZARR_FILESYSTEM
//   NUTHATCH_MIRRORS_<NAME>_[<BACKEND>_]<PARAM>  mirror-<name> (the next Nuthatch's form)
//   NUTHATCH_<LOCATION>_[<BACKEND>_]FILESYSTEM_OPTIONS_<KEY>  one key of filesystem_options
// Names are upper-cased with '-' written '_' (mirror-public -> MIRROR_PUBLIC). Lookups
// build the variable names for the parameter asked for, so they are never ambiguous;
// only the listing for print-config has to split variable names, best-effort.

#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "config/params.hpp"
#include "nuthatch/value.hpp"

namespace nuthatch::config {

struct EnvValue {
  Value value;
  std::string variable;  ///< "NUTHATCH_ROOT_FILESYSTEM"
};

/// The environment's value for (scope, name), or nullopt. For root without a backend,
/// NUTHATCH_ROOT_<PARAM> is preferred over NUTHATCH_<PARAM>. A value that parses as a
/// JSON object, array, number or boolean is that; anything else is the text itself (and
/// parameters that take a string always get the text).
std::optional<EnvValue> env_parameter(const Scope& scope, const std::string& name);

/// The variables that each set one key of (scope)'s filesystem_options:
/// (lower-cased key, value), in no particular order.
std::vector<std::pair<std::string, EnvValue>> env_option_keys(const Scope& scope);

struct EnvParameter {
  Scope scope;
  std::string name;
};

/// Every (scope, name) that some NUTHATCH_* variable sets, as far as the variable names
/// can be split. `mirrors` (already known mirror locations) resolve ambiguous mirror
/// names; a mirror variable is recognised only when it ends with a parameter nuthatch
/// knows (NUTHATCH_MIRROR_PUBLIC_FILESYSTEM).
std::vector<EnvParameter> env_parameters(const std::set<std::string>& mirrors);

}  // namespace nuthatch::config
