#pragma once
// The Zarr v3 `sharding_indexed` codec, on read: a shard (one stored object per chunk of
// the array's grid) holds inner chunks encoded with their own codecs, and an index of
// (offset, nbytes) per inner chunk at its start or end.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "codecs/zarr/chunk_grid.hpp"
#include "codecs/zarr/metadata.hpp"
#include "nuthatch/storage.hpp"

namespace nuthatch::zarr {

/// How the shards of one array are laid out.
struct ShardingSpec {
  ArrayMeta inner;         ///< the inner chunks: `chunks` is the inner chunk shape
  ArrayMeta index;         ///< the index as a uint64 array of shape chunks_per_shard + [2]
  Index chunks_per_shard;  ///< shard shape / inner chunk shape, per dimension
  bool index_at_start = false;
  std::size_t index_bytes = 0;  ///< encoded size of the index
};

/// One inner chunk's place in its shard; std::nullopt when the chunk is empty.
struct ShardEntry {
  std::uint64_t offset = 0;
  std::uint64_t nbytes = 0;
};
using ShardIndex = std::vector<std::optional<ShardEntry>>;

/// Parses the `configuration` of a sharding_indexed codec of array `outer` (whose
/// `chunks` are the shard shape). Throws CodecError naming the array and the cause
/// (nested sharding, an index codec other than bytes and crc32c, a shard shape that is
/// not a multiple of the inner chunk shape).
std::shared_ptr<const ShardingSpec> parse_sharding(const ArrayMeta& outer, const Value& config);

/// Reads and decodes the index of the shard stored at `key` with one ranged read (and a
/// stat when the index is at the end). std::nullopt when the shard does not exist.
/// Throws CodecError naming the array and shard key when the index is corrupt.
std::optional<ShardIndex> read_shard_index(Storage& storage, const std::string& key,
                                           const ArrayMeta& meta);

/// Position in the shard index (C order) of the inner chunk at global inner-grid index
/// `inner_index` of the shard at `shard_index`.
std::size_t inner_position(const ShardingSpec& spec, const Index& shard_index,
                           const Index& inner_index);

}  // namespace nuthatch::zarr
