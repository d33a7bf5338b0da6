#pragma once
// nh::Value <-> nlohmann::ordered_json, for code that builds larger JSON documents
// (the CLI's --json output). Heavy header: include it only where needed.

#include <nlohmann/json.hpp>

#include "nuthatch/value.hpp"

namespace nuthatch {

/// Bytes become {"$bytes": "<base64>"}; object order is kept.
nlohmann::ordered_json to_json_value(const Value& v);

}  // namespace nuthatch
