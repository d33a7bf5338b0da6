#pragma once
// A location given to one call by its configuration table (CallOptions::location) rather
// than by name: the original Nuthatch's `Cache(config, ...)` on any filesystem. Internal
// to the engine layer.

#include <memory>

#include "location/location.hpp"
#include "nuthatch/value.hpp"

namespace nuthatch {

/// The Locations of a call given `table` ({"filesystem": url, "filesystem_options": {...},
/// "<backend>": {"filesystem": ..., "filesystem_options": ...}}): that location alone, as
/// the root. Built once per distinct table, so its drivers open once. Throws ConfigError
/// naming what is wrong with the table.
std::shared_ptr<const Locations> explicit_locations(const Value& table);

}  // namespace nuthatch
