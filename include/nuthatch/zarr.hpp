#pragma once
/// Direct access to Zarr stores, without the cache (like xarray's `to_zarr` and
/// `open_zarr`). One group per dataset, one array per variable, following xarray's
/// conventions: `dimension_names` (v3) / `_ARRAY_DIMENSIONS` (v2), the `coordinates`
/// attribute of data variables, consolidated metadata. The same code backs the `zarr`
/// backend of the cache.

#include <string>

#include "nuthatch/ndarray.hpp"

namespace nuthatch::zarr {

/// How a store is written.
struct WriteOptions {
  int zarr_format = 3;        ///< 3 (default) or 2
  bool consolidated = true;   ///< write consolidated metadata (.zmetadata / inline zarr.json)
};

/// Writes `dataset` as a Zarr group at `url` (opened with StorageRegistry::open; a bare
/// path uses the file driver). Per-variable `encoding` chooses `chunks`, `compressor`
/// ("zstd" default, "blosc", "gzip", "none"), `level` and `fill_value`. Chunks are
/// compressed and written in parallel. Throws CodecError on values it cannot encode,
/// ConfigError on a bad option, StorageError when the store fails.
void write(const Dataset& dataset, std::string url, WriteOptions options = {});

/// Reads the whole group at `url`. The returned variables carry an empty `encoding`.
/// Throws CodecError naming the array, chunk key and cause on bad metadata or chunks.
Dataset read(std::string url);

/// Reads the hyper-rectangle `selection` (per-dimension [start, stop) index ranges; dims
/// it does not name are read in full), fetching only the chunks it intersects. Variables
/// without any selected dimension are read in full. Throws CodecError as read(url) does,
/// and on a range outside a dimension.
Dataset read(std::string url, const Selection& selection);

}  // namespace nuthatch::zarr
