// sharding_indexed on read. The index is decoded with the ordinary chunk decoder, as a
// uint64 "chunk" of shape chunks_per_shard + [2], so its endianness and crc32c need no
// code of their own. Only fixed-size index codecs (bytes, crc32c) are accepted: the
// index's encoded size must be known before reading it, since it is read by range.

#include "codecs/zarr/sharding.hpp"

#include <cstring>
#include <limits>

#include "codecs/zarr/chunk_codec.hpp"
#include "codecs/zarr/limits.hpp"
#include "nuthatch/error.hpp"

namespace nuthatch::zarr {
namespace {

constexpr std::uint64_t kEmpty = std::numeric_limits<std::uint64_t>::max();
constexpr std::size_t kEntryBytes = 2 * sizeof(std::uint64_t);
constexpr std::size_t kChecksumBytes = 4;

[[noreturn]] void fail(const std::string& name, const std::string& cause) {
  throw CodecError("zarr array '" + name + "': sharding_indexed: " + cause);
}

[[noreturn]] void shard_error(const ArrayMeta& meta, const std::string& key,
                              const std::string& cause) {
  throw CodecError("zarr array '" + meta.name + "', shard '" + key + "': " + cause);
}

Value default_index_codecs() {
  return Value::array(
      {Value::object({{"name", "bytes"}, {"configuration", Value::object({{"endian", "little"}})}}),
       Value::object({{"name", "crc32c"}, {"configuration", Value::object()}})});
}

std::size_t index_size(const ShardingSpec& spec) {
  const std::optional<std::int64_t> entries =
      checked_product(spec.chunks_per_shard, kMaxShardEntries);
  if (!entries) {
    fail(spec.index.name,
         "more than " + std::to_string(kMaxShardEntries) + " inner chunks a shard");
  }
  std::size_t size = static_cast<std::size_t>(*entries) * kEntryBytes;
  for (const auto& codec : spec.index.byte_codecs) {
    const Value md = codec->v3_metadata();
    if (md["name"].as<std::string>() != "crc32c") {
      fail(spec.index.name, "unsupported index codec '" + md["name"].as<std::string>() + "'");
    }
    size += kChecksumBytes;
  }
  return size;
}

}  // namespace

std::shared_ptr<const ShardingSpec> parse_sharding(const ArrayMeta& outer, const Value& config) {
  auto spec = std::make_shared<ShardingSpec>();
  const Value* chunk_shape = config.find("chunk_shape");
  if (chunk_shape == nullptr || !chunk_shape->is_array()) fail(outer.name, "no chunk_shape");
  spec->inner = outer;
  spec->inner.chunks.clear();
  spec->inner.byte_codecs.clear();
  for (const auto& c : chunk_shape->array_items()) {
    if (!c.is_int() || c.as<std::int64_t>() < 1) fail(outer.name, "chunk_shape is invalid");
    spec->inner.chunks.push_back(c.as<std::int64_t>());
  }
  if (spec->inner.chunks.size() != outer.chunks.size()) {
    fail(outer.name, "chunk_shape has the wrong number of dimensions");
  }
  for (std::size_t i = 0; i < outer.chunks.size(); ++i) {
    if (outer.chunks[i] < 1) fail(outer.name, "the shard shape has an extent below 1");
    if (outer.chunks[i] % spec->inner.chunks[i] != 0) {
      fail(outer.name, "the shard shape is not a multiple of the inner chunk shape");
    }
    spec->chunks_per_shard.push_back(outer.chunks[i] / spec->inner.chunks[i]);
  }
  const Value* codecs = config.find("codecs");
  parse_v3_codecs(spec->inner, codecs ? *codecs : Value::array());
  if (spec->inner.sharding) fail(outer.name, "nested sharding is not supported");

  ArrayMeta& index = spec->index;
  index.name = outer.name;
  index.dtype = DType::uint64;
  index.item_size = sizeof(std::uint64_t);
  index.chunks = spec->chunks_per_shard;
  index.chunks.push_back(2);
  index.shape = index.chunks;
  const Value* index_codecs = config.find("index_codecs");
  parse_v3_codecs(index, index_codecs ? *index_codecs : default_index_codecs());
  if (!index.transpose.empty() || index.sharding) {
    fail(outer.name, "only bytes and crc32c index codecs are supported");
  }
  spec->index_bytes = index_size(*spec);
  const Value* location = config.find("index_location");
  const std::string where = location && location->is_string() ? location->string_ref() : "end";
  if (where != "start" && where != "end") fail(outer.name, "index_location '" + where + "'");
  spec->index_at_start = where == "start";
  return spec;
}

std::optional<ShardIndex> read_shard_index(Storage& storage, const std::string& key,
                                           const ArrayMeta& meta) {
  const ShardingSpec& spec = *meta.sharding;
  // The shard's size bounds every entry of its index, wherever the index lies.
  std::optional<ObjectInfo> info = storage.stat(key);
  if (!info) return std::nullopt;
  const std::uint64_t shard_size = info->size;
  if (shard_size < spec.index_bytes) {
    shard_error(meta, key,
                "shard of " + std::to_string(shard_size) + " bytes is shorter than its index (" +
                    std::to_string(spec.index_bytes) + " bytes)");
  }
  ByteRange range{spec.index_at_start ? 0 : shard_size - spec.index_bytes, spec.index_bytes};
  std::optional<std::string> stored = storage.read(key, range);
  if (!stored) return std::nullopt;
  if (stored->size() != spec.index_bytes) shard_error(meta, key, "truncated index");
  ChunkData decoded;
  try {
    decoded = decode_chunk(spec.index, *stored);
  } catch (const CodecError& e) {
    shard_error(meta, key, std::string("index: ") + e.what());
  }
  if (decoded.bytes.size() != spec.index_bytes - kChecksumBytes * spec.index.byte_codecs.size()) {
    shard_error(meta, key, "index of the wrong size");
  }
  ShardIndex out(decoded.bytes.size() / kEntryBytes);
  for (std::size_t i = 0; i < out.size(); ++i) {
    ShardEntry e;
    std::memcpy(&e.offset, decoded.bytes.data() + i * kEntryBytes, sizeof(e.offset));
    std::memcpy(&e.nbytes, decoded.bytes.data() + i * kEntryBytes + 8, sizeof(e.nbytes));
    if (e.offset == kEmpty && e.nbytes == kEmpty) continue;
    // Within the shard (no overflow: offset <= size before nbytes is compared), not empty.
    if (e.nbytes == 0) {
      shard_error(meta, key, "index entry " + std::to_string(i) + " has zero bytes");
    }
    if (e.offset > shard_size || e.nbytes > shard_size - e.offset) {
      shard_error(meta, key,
                  "index entry " + std::to_string(i) + " (offset " + std::to_string(e.offset) +
                      ", " + std::to_string(e.nbytes) + " bytes) lies outside the shard of " +
                      std::to_string(shard_size) + " bytes");
    }
    out[i] = e;
  }
  return out;
}

std::size_t inner_position(const ShardingSpec& spec, const Index& shard_index,
                           const Index& inner_index) {
  std::size_t pos = 0;
  for (std::size_t i = 0; i < shard_index.size(); ++i) {
    const std::int64_t local = inner_index[i] - shard_index[i] * spec.chunks_per_shard[i];
    pos = pos * static_cast<std::size_t>(spec.chunks_per_shard[i]) +
          static_cast<std::size_t>(local);
  }
  return pos;
}

}  // namespace nuthatch::zarr
