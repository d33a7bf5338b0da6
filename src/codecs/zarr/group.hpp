#pragma once
// A Dataset as a Zarr group on a Storage, with xarray's conventions. zarr::write / read
// and the `zarr` backend are thin wrappers over these two functions.

#include <cstdint>
#include <string>

#include "nuthatch/ndarray.hpp"
#include "nuthatch/storage.hpp"
#include "nuthatch/zarr.hpp"
#include "codecs/zarr/metadata.hpp"

namespace nuthatch::zarr {

/// Units and calendar attributes that mark an int64 array as a datetime64[ns] variable
/// written by nuthatch (xarray decodes them as CF times too).
inline constexpr std::string_view kDatetimeUnits = "nanoseconds since 1970-01-01";
inline constexpr std::string_view kDatetimeCalendar = "proleptic_gregorian";

/// A group's attributes and its arrays' metadata.
struct GroupPlan {
  Value attrs = Value::object();
  std::vector<ArrayMeta> arrays;
};

/// The metadata a schema is written with (xarray's conventions applied). Throws
/// ConfigError on bad options, CodecError naming the variable on a bad schema.
GroupPlan plan_group(const DatasetSchema& schema, const WriteOptions& options);

/// Writes the arrays' metadata, then the group's (consolidated when options say so).
/// Returns the bytes written.
std::uint64_t write_metadata(Storage& storage, const std::string& prefix, const GroupPlan& plan,
                             const WriteOptions& options);

/// Removes the group under `prefix`, if there is one.
void remove_group(Storage& storage, const std::string& prefix);

/// The metadata of the group under `prefix` (consolidated when present), conventions not
/// undone. Throws CodecError naming the store when there is no group or its metadata is
/// bad (malformed, or declaring sizes beyond the limits of limits.hpp).
GroupPlan list_group(Storage& storage, const std::string& prefix);

/// Writes `dataset` as a group under `prefix` ("" or a folder ending in '/'), replacing
/// a group already there. Returns the bytes written. Throws ConfigError on bad options,
/// CodecError naming the variable on values it cannot encode.
std::uint64_t write_group(const Dataset& dataset, Storage& storage, const std::string& prefix,
                          const WriteOptions& options);

/// Reads the group under `prefix`; with a selection, only the chunks it touches.
/// Throws CodecError when there is no group, or naming the store, array, chunk and cause
/// (and, with MissingChunks::error, on a missing chunk).
Dataset read_group(Storage& storage, const std::string& prefix, const Selection* selection,
                   const ReadOptions& options = {});

/// Reads the group under `prefix`, along `range.dim` only the part CoordinateRange
/// describes (its labels in [start, stop] and one neighbour on each side). When the group
/// has no sorted 1-D integer or datetime64 coordinate of that name, reads it all.
Dataset read_group(Storage& storage, const std::string& prefix, const CoordinateRange& range,
                   const ReadOptions& options = {});

/// The automatic chunk shape for an array: about 4 MiB per chunk, full extent on
/// trailing dimensions where possible, the leading dimensions split.
std::vector<std::int64_t> auto_chunks(const std::vector<std::int64_t>& shape, DType dtype);

}  // namespace nuthatch::zarr
