#pragma once
// Shared by the zarr fuzz targets: one array's metadata (v2 .zarray or v3 zarr.json text)
// and the bytes of its first chunk (or shard), read the two ways the engine reads them:
// parsed and decoded directly, and through a store (group listing, conventions, chunk
// grid, sharding index, read_box). Only CodecError may come out.
//
// The harness skips arrays and chunks above kFuzzMaxBytes: the engine's own limits
// (codecs/zarr/limits.hpp) allow chunks of 2 GiB, which are legitimate to allocate but
// beyond what libFuzzer lets one input use.

#include <cstdint>
#include <string>
#include <string_view>

#include "codecs/zarr/chunk_codec.hpp"
#include "codecs/zarr/limits.hpp"
#include "codecs/zarr/metadata.hpp"
#include "codecs/zarr/zarr_json.hpp"
#include "fuzz_support.hpp"
#include "nuthatch/zarr.hpp"

namespace nuthatch::fuzz {

inline constexpr std::int64_t kFuzzMaxBytes = std::int64_t{16} << 20;
inline constexpr std::int64_t kFuzzMaxStrings = std::int64_t{1} << 16;

/// Whether `count` elements of `item_size` bytes (strings: held as std::string) are small
/// enough for the harness to allocate.
inline bool small_enough(std::int64_t count, std::size_t item_size, bool strings) {
  if (strings) return count <= kFuzzMaxStrings;
  return zarr::checked_mul(count, static_cast<std::int64_t>(item_size), kFuzzMaxBytes).has_value();
}

/// Parses `meta_text` as array metadata of `format` and decodes `chunk` with it.
inline void decode_directly(std::string_view meta_text, std::string_view chunk, int format) {
  const Value json = zarr::parse_metadata_json(meta_text, "fuzz");
  const zarr::ArrayMeta meta =
      format == 3 ? zarr::parse_v3(json, "a") : zarr::parse_v2(json, Value(), "a");
  if (meta.sharding) return;  // a shard is read by range: through the store below
  const bool strings = meta.dtype == DType::string;
  if (!small_enough(meta.chunk_elements(), meta.item_size, strings)) return;
  (void)zarr::decode_chunk(meta, chunk);
}

/// Writes a group with array "a" (metadata `meta_text`) whose first chunk is `chunk`,
/// opens it with a DatasetReader and reads the whole array, both missing-chunk modes.
inline void read_through_store(std::string_view meta_text, std::string_view chunk, int format) {
  StoragePtr storage = fresh_store();
  if (format == 3) {
    storage->write("zarr.json", R"({"zarr_format":3,"node_type":"group","attributes":{}})");
    storage->write("a/zarr.json", meta_text);
  } else {
    storage->write(".zgroup", R"({"zarr_format":2})");
    storage->write("a/.zarray", meta_text);
  }
  const zarr::DatasetReader reader = zarr::DatasetReader::open(storage);
  const auto& variables = reader.schema().variables;
  const auto it = variables.find("a");
  if (it == variables.end()) return;
  const zarr::VariableSchema& schema = it->second;
  const bool strings = schema.dtype == DType::string;
  const std::optional<std::int64_t> count =
      zarr::checked_product(schema.shape, zarr::kMaxArrayElements);
  if (!count || !small_enough(*count, strings ? 0 : dtype_size(schema.dtype), strings)) return;
  // The first chunk's key, as the array's own metadata names it.
  const Value json = zarr::parse_metadata_json(meta_text, "fuzz");
  const zarr::ArrayMeta meta =
      format == 3 ? zarr::parse_v3(json, "a") : zarr::parse_v2(json, Value(), "a");
  if (!small_enough(meta.chunk_elements(), meta.item_size, strings)) return;
  storage->write("a/" + meta.chunk_key(zarr::Index(meta.shape.size(), 0)), chunk);
  (void)reader.read("a");
  const zarr::DatasetReader strict =
      zarr::DatasetReader::open(storage, {.missing_chunks = zarr::MissingChunks::error});
  (void)strict.read("a");
}

/// The zarr targets' body: input = metadata text, NUL, chunk bytes.
inline void fuzz_zarr(std::string_view in, int format) {
  const auto [meta_text, chunk] = split_at_nul(in);
  NUTHATCH_FUZZ_EXPECTING(CodecError, decode_directly(meta_text, chunk, format));
  NUTHATCH_FUZZ_EXPECTING(CodecError, read_through_store(meta_text, chunk, format));
}

}  // namespace nuthatch::fuzz
