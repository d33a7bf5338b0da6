#pragma once
// Bytes-to-bytes codecs of a Zarr array (compressors and checksums), and their registry.
// Each one lives in its own file and registers itself by its Zarr v3 codec name; the
// array code looks them up by name and never names one.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "nuthatch/value.hpp"

namespace nuthatch::zarr {

/// One bytes-to-bytes codec with its parameters. Stateless after construction and
/// thread-safe.
class Compressor {
 public:
  virtual ~Compressor() = default;
  /// Encodes one chunk's bytes.
  virtual std::string encode(std::string_view raw) const = 0;
  /// Decodes one chunk's bytes. `max_size` bounds the output: a stream that declares or
  /// produces more is refused with a CodecError before more than max_size + 1 bytes are
  /// allocated for it (so a decompression bomb costs nothing). The caller checks the
  /// exact size. Throws CodecError naming the cause (corrupt, truncated, too large).
  virtual std::string decode(std::string_view packed, std::size_t max_size) const = 0;
  /// encode(), into out[0, n), returning n. `out` grows as needed and never shrinks, so
  /// a buffer reused from chunk to chunk is allocated (and zero-filled) once. The
  /// default calls encode() and copies.
  virtual std::size_t encode_into(std::string_view raw, std::string& out) const;
  /// decode() straight into `out`, whose size is the decoded size the array expects.
  /// Returns the decoded size (out.size() + 1 when the data decodes to more, which is
  /// never written); when it differs from out.size(), `out` holds nothing useful and the
  /// caller reports the mismatch. Throws CodecError naming the cause. The default decodes
  /// with decode(packed, out.size()) and copies.
  virtual std::size_t decode_into(std::string_view packed, std::span<char> out) const;
  /// The v3 codec entry: {"name": ..., "configuration": {...}}.
  virtual Value v3_metadata() const = 0;
  /// The numcodecs (v2) entry: {"id": ..., ...}.
  virtual Value v2_metadata() const = 0;
};

using CompressorPtr = std::shared_ptr<const Compressor>;

/// Builds a compressor from parameters: a v3 "configuration" object, a v2 numcodecs
/// object, or the nuthatch encoding ({"level": n, "cname": ...}); `element_size` is the
/// array's item size (blosc's typesize). Throws CodecError on bad parameters.
using CompressorFactory =
    std::function<CompressorPtr(const Value& params, std::size_t element_size)>;

/// Registers a compressor under its v3 name (also its numcodecs id and encoding name).
void register_compressor(std::string name, CompressorFactory factory);

/// The compressor `name` built from `params`; throws CodecError "unsupported codec
/// '<name>'" listing the known ones when none is registered under that name.
CompressorPtr make_compressor(std::string_view name, const Value& params,
                              std::size_t element_size);

/// Whether a compressor is registered under `name`.
bool has_compressor(std::string_view name);

struct CompressorRegistrar {
  CompressorRegistrar(std::string name, CompressorFactory factory) {
    register_compressor(std::move(name), std::move(factory));
  }
};

/// An integer member of `params`, or `fallback` when absent or null. Throws CodecError
/// naming the parameter when it is not an integer (or a whole number) in [min, max].
std::int64_t int_param(const Value& params, std::string_view key, std::int64_t fallback,
                       std::int64_t min = INT32_MIN, std::int64_t max = INT32_MAX);

/// The bound a bytes-to-bytes codec's output gets when it feeds another codec rather than
/// the chunk (its size is then unknown): the chunk's size with room for the expansion of
/// incompressible data.
std::size_t intermediate_bound(std::size_t chunk_bytes);

}  // namespace nuthatch::zarr
