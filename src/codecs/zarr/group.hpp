#pragma once
// A Dataset as a Zarr group on a Storage, with xarray's conventions. zarr::write / read
// and the `zarr` backend are thin wrappers over these two functions.

#include <cstdint>
#include <string>

#include "nuthatch/ndarray.hpp"
#include "nuthatch/storage.hpp"
#include "nuthatch/zarr.hpp"

namespace nuthatch::zarr {

/// Units and calendar attributes that mark an int64 array as a datetime64[ns] variable
/// written by nuthatch (xarray decodes them as CF times too).
inline constexpr std::string_view kDatetimeUnits = "nanoseconds since 1970-01-01";
inline constexpr std::string_view kDatetimeCalendar = "proleptic_gregorian";

/// Writes `dataset` as a group under `prefix` ("" or a folder ending in '/'), replacing
/// a group already there. Returns the bytes written. Throws ConfigError on bad options,
/// CodecError naming the variable on values it cannot encode.
std::uint64_t write_group(const Dataset& dataset, Storage& storage, const std::string& prefix,
                          const WriteOptions& options);

/// Reads the group under `prefix`; with a selection, only the chunks it touches.
/// Throws CodecError when there is no group, or naming the array, chunk and cause.
Dataset read_group(Storage& storage, const std::string& prefix, const Selection* selection);

/// The automatic chunk shape for an array: about 4 MiB per chunk, full extent on
/// trailing dimensions where possible, the leading dimensions split.
std::vector<std::int64_t> auto_chunks(const std::vector<std::int64_t>& shape, DType dtype);

}  // namespace nuthatch::zarr
