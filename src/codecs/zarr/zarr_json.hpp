#pragma once
// JSON text of Zarr metadata as Python writes and reads it: Python's json module (used by
// zarr-python and xarray) writes non-finite floats as the bare tokens NaN, Infinity and
// -Infinity, which strict JSON parsers reject and nlohmann would write as null.

#include <string>
#include <string_view>

#include "nuthatch/value.hpp"

namespace nuthatch::zarr {

/// Parses metadata JSON, accepting bare NaN, Infinity and -Infinity as doubles. Throws
/// CodecError naming `what` on malformed text.
Value parse_metadata_json(std::string_view text, std::string_view what);

/// Pretty-printed JSON of `v`, non-finite doubles written as NaN, Infinity, -Infinity.
std::string dump_metadata_json(const Value& v);

}  // namespace nuthatch::zarr
