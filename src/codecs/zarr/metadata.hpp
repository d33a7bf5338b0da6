#pragma once
// The metadata of one Zarr array (v2 `.zarray` + `.zattrs`, or v3 `zarr.json`), parsed
// into one form both formats share, and rendered back.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "codecs/zarr/compressor.hpp"
#include "nuthatch/ndarray.hpp"
#include "nuthatch/value.hpp"

namespace nuthatch::zarr {

struct ShardingSpec;

/// One array's metadata. Chunks hold `chunks` elements in C order (after the transpose
/// codec is undone), edge chunks padded to the full chunk shape.
struct ArrayMeta {
  std::string name;  ///< the array's path inside the group (for messages and keys)
  int zarr_format = 3;
  std::vector<std::int64_t> shape;
  std::vector<std::int64_t> chunks;
  DType dtype = DType::float64;
  std::size_t item_size = 8;   ///< bytes per element on storage (fixed-width strings: 4*n)
  bool fixed_unicode = false;  ///< v2 "<U n" / v3 fixed_length_utf32: UTF-32 strings (read only)
  bool big_endian = false;
  std::string fill;            ///< one element, native little-endian (strings: the text)
  bool fill_null = false;      ///< v2 `fill_value: null` ("no fill value"; `fill` is zero)
  std::vector<std::string> dims;
  Value attrs = Value::object();  ///< user attributes (without _ARRAY_DIMENSIONS)
  std::vector<std::int64_t> transpose;  ///< stored axis order (empty: C order)
  std::vector<CompressorPtr> byte_codecs;  ///< applied in order on write
  char separator = '/';
  bool v3_default_keys = true;  ///< "c/0/1" (default encoding) vs "0.1" (v2 encoding)
  /// Set when the array-to-bytes codec is `sharding_indexed` (read only): then `chunks`
  /// is the shard shape and the spec holds the inner chunks' codecs and the index layout.
  std::shared_ptr<const ShardingSpec> sharding;

  /// The chunk's key relative to the array: "c/0/1", "0.1", "c" or "0" for 0-d arrays.
  std::string chunk_key(const std::vector<std::int64_t>& index) const;
  /// Bytes of one full chunk once decoded (fixed-size dtypes).
  std::size_t chunk_bytes() const;
  std::int64_t chunk_elements() const;
};

/// Zarr v3 `zarr.json` of an array.
Value render_v3(const ArrayMeta& meta);
/// Zarr v2 `.zarray` of an array (attributes go to `.zattrs`).
Value render_v2(const ArrayMeta& meta);
/// Parses a v3 array `zarr.json`; throws CodecError naming the array and the cause
/// (unsupported data_type, codec, chunk grid...).
ArrayMeta parse_v3(const Value& json, const std::string& name);
/// Applies a v3 `codecs` list to `meta` (endianness, transpose, byte codecs, sharding).
/// Throws CodecError naming the array on an unsupported codec.
void parse_v3_codecs(ArrayMeta& meta, const Value& codecs);
/// Parses a v2 `.zarray` and its `.zattrs` (may be null).
ArrayMeta parse_v2(const Value& zarray, const Value& zattrs, const std::string& name);

/// The fill element for `dtype` from a JSON fill value (number, bool, "NaN", "Infinity",
/// "-Infinity", null = zero). Throws CodecError on a value of the wrong kind.
std::string fill_from_json(DType dtype, const Value& fill);
/// The JSON form of a fill element (NaN and infinities as strings, per the v3 spec).
Value fill_to_json(DType dtype, const std::string& fill);

}  // namespace nuthatch::zarr
