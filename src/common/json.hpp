#pragma once
// nh::Value <-> JSON text. Bytes become {"$bytes": "<base64>"} in JSON.

#include <cstddef>
#include <string>
#include <string_view>

#include "nuthatch/value.hpp"

namespace nuthatch {

/// Compact JSON (indent < 0) or pretty-printed JSON of a Value.
std::string to_json(const Value& v, int indent = -1);
/// The deepest nesting of arrays and objects from_json accepts: the default of simdjson,
/// which parses manifests, and the limit of the `basic` codec's msgpack reader. Real
/// documents (manifests, Zarr metadata, settings) nest a handful of levels.
inline constexpr std::size_t kMaxJsonDepth = 1024;

/// Parses JSON into a Value; throws CodecError naming `what` and the parse error, or the
/// depth when arrays and objects nest deeper than kMaxJsonDepth (text read from storage
/// must not exhaust the stack).
Value from_json(std::string_view text, std::string_view what = "JSON");

}  // namespace nuthatch
