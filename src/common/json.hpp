#pragma once
// nh::Value <-> JSON text. Bytes become {"$bytes": "<base64>"} in JSON.

#include <string>
#include <string_view>

#include "nuthatch/value.hpp"

namespace nuthatch {

/// Compact JSON (indent < 0) or pretty-printed JSON of a Value.
std::string to_json(const Value& v, int indent = -1);
/// Parses JSON into a Value; throws CodecError naming `what` and the parse error.
Value from_json(std::string_view text, std::string_view what = "JSON");

}  // namespace nuthatch
