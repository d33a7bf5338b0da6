#pragma once
// Chunks of one array on storage: parallel write of a whole array, parallel read of a box.

#include <cstdint>
#include <string>

#include "codecs/zarr/chunk_grid.hpp"
#include "codecs/zarr/metadata.hpp"
#include "nuthatch/ndarray.hpp"
#include "nuthatch/storage.hpp"
#include "nuthatch/zarr.hpp"

namespace nuthatch::zarr {

/// Encodes and writes every chunk of `data` (whose shape is meta.shape) under
/// `array_prefix` (the array's folder, ending in '/'), in parallel. Returns the bytes
/// written. Throws CodecError / StorageError naming the array and chunk key.
std::uint64_t write_chunks(Storage& storage, const std::string& array_prefix,
                           const ArrayMeta& meta, const NDArray& data);

/// Encodes and writes the chunks `box` touches, taking their elements from `data` (whose
/// shape is the box's extent); parts of those chunks outside the box are written as the
/// fill value, so the box should be aligned to chunk boundaries. Returns bytes written.
/// Throws CodecError / StorageError naming the array and chunk key.
std::uint64_t write_box(Storage& storage, const std::string& array_prefix,
                        const ArrayMeta& meta, const NDArray& data, const Box& box);

/// Reads the elements of `box` (clipped to nothing outside the array: the caller checks
/// bounds), fetching and decoding only the chunks it intersects, in parallel; for a
/// sharded array, the shard indexes and inner chunks it needs, by ranged reads. When
/// storage.preferred_parallel_reads() is above 1, up to that many chunks (at most 16, and
/// 64 MiB) are fetched ahead of the decoding by threads of the call's own. Missing
/// chunks (and shards) read as the fill value, or with MissingChunks::error throw
/// CodecError "chunk '<array>/<key>' of store <url> is missing ...". The result has
/// dtype meta.dtype and the box's extent. Throws CodecError naming the store, array,
/// chunk key and cause (never std::bad_alloc: an output or chunk that cannot be
/// allocated is a CodecError too), or the driver's StorageError for a read that failed;
/// no thread of the call outlives it.
NDArray read_box(Storage& storage, const std::string& array_prefix, const ArrayMeta& meta,
                 const Box& box, MissingChunks missing = MissingChunks::fill);

}  // namespace nuthatch::zarr
