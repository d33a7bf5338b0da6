#pragma once
/// Direct access to Zarr stores, without the cache (like xarray's `to_zarr` and
/// `open_zarr`). One group per dataset, one array per variable, following xarray's
/// conventions: `dimension_names` (v3) / `_ARRAY_DIMENSIONS` (v2), the `coordinates`
/// attribute of data variables, consolidated metadata. The same code backs the `zarr`
/// backend of the cache.

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "nuthatch/ndarray.hpp"
#include "nuthatch/storage.hpp"

namespace nuthatch::zarr {

/// How a store is written.
struct WriteOptions {
  int zarr_format = 3;        ///< 3 (default) or 2
  bool consolidated = true;   ///< write consolidated metadata (.zmetadata / inline zarr.json)
};

/// Writes `dataset` as a Zarr group at `url` (opened with StorageRegistry::open; a bare
/// path uses the file driver). Per-variable `encoding` chooses `chunks`, `compressor`
/// ("blosc" default: lz4 with byte shuffle, level 5; "zstd", "gzip", "none"), `level`,
/// `cname` (blosc's inner compressor) and `fill_value` (with
/// `zarr_format`, the format whose meaning it has: v2's missing-value marker, null for
/// none, when absent). Following xarray, the missing-value marker is the `fill_value` in
/// v2 and the `_FillValue` attribute in v3; writing moves it between them. Chunks are
/// compressed and written in parallel. Throws CodecError on values it cannot encode,
/// ConfigError on a bad option, StorageError when the store fails.
void write(const Dataset& dataset, std::string url, WriteOptions options = {});

/// What a reader does with a chunk that the store does not hold.
enum class MissingChunks {
  fill,   ///< the Zarr rule: an unwritten chunk holds the fill value
  error,  ///< the store's writer wrote every chunk: an absent one is a CodecError
};

/// The option's value from its name, "fill" or "error"; throws ConfigError naming the
/// option `missing_chunks` and the names it takes on anything else.
MissingChunks parse_missing_chunks(std::string_view name);

/// How a store is read.
struct ReadOptions {
  /// "fill" for stores written elsewhere (they may be sparse); "error" for stores whose
  /// writer wrote every chunk of the grid (the cache's payloads): there a missing chunk,
  /// or for a sharded array a missing shard, means the store was removed or damaged, and
  /// reading it throws CodecError naming the chunk and the store instead of returning
  /// fill values. An inner chunk that an intact shard index marks empty is part of what
  /// its writer wrote, and reads as the fill value either way.
  MissingChunks missing_chunks = MissingChunks::fill;
};

/// Reads the whole group at `url`. Each variable's `encoding` says how it was stored, so
/// that writing it again keeps that: `chunks` (a sharded array's shard shape),
/// `zarr_format`, `fill_value` (null: none) and `compressor` / `level` / `cname`.
/// Throws CodecError naming the store, array, chunk key and cause on bad metadata or
/// chunks (nothing a store holds makes it throw another type, crash or allocate without
/// bound: every size is checked against the limits of codecs/zarr/limits.hpp).
Dataset read(std::string url);
/// As read(url), with `options`.
Dataset read(std::string url, ReadOptions options);

/// Reads the hyper-rectangle `selection` (per-dimension [start, stop) index ranges; dims
/// it does not name are read in full), fetching only the chunks it intersects. Variables
/// without any selected dimension are read in full. Throws CodecError as read(url) does,
/// and on a range outside a dimension.
Dataset read(std::string url, const Selection& selection);
/// As read(url, selection), with `options`.
Dataset read(std::string url, const Selection& selection, ReadOptions options);

/// One variable of a store to be written region by region: everything but the data.
struct VariableSchema {
  std::vector<std::string> dims;
  DType dtype = DType::float64;
  std::vector<std::int64_t> shape;   ///< the full shape of the array
  Value attrs = Value::object();
  Value encoding = Value::object();  ///< as Variable::encoding (chunks, compressor, ...)
};

/// The layout of a dataset to be written region by region.
struct DatasetSchema {
  std::map<std::string, VariableSchema> variables;
  std::set<std::string> coords;
  Value attrs = Value::object();
  /// The schema of `dataset`: each variable's dims, dtype, data shape, attrs, encoding.
  static DatasetSchema of(const Dataset& dataset);
};

/// Streaming writes: creates a store's metadata, accepts chunk-aligned regions of its
/// variables one at a time (from any thread, or any process that open()s the store),
/// then commits. Regions never written read as the fill value. Until commit() the store
/// has unconsolidated metadata only. A writer is a cheap handle; copies share state.
class DatasetWriter {
 public:
  /// Creates the group and array metadata at `url` from `schema`, replacing a group
  /// already there. Throws as write() does on a bad schema or option.
  static DatasetWriter create(std::string url, const DatasetSchema& schema,
                              WriteOptions options = {});
  /// Attaches to a store created by create() (in this or another process). commit()
  /// through this handle writes consolidated metadata. Throws CodecError when there is
  /// no group at `url`.
  static DatasetWriter open(std::string url);
  /// As create(url, ...) and open(url), on a location the caller opened (with its
  /// `filesystem_options`, e.g. StorageRegistry::open(url, options)): the group is the
  /// location's root. This is how a process that holds a location's credentials, or was
  /// handed them, writes to an object store.
  static DatasetWriter create(StoragePtr storage, const DatasetSchema& schema,
                              WriteOptions options = {});
  static DatasetWriter open(StoragePtr storage);

  /// Encodes and writes the chunks of `variable` covering `region` (per-dimension
  /// [start, stop) ranges; dims it does not name are whole), with the elements of
  /// `block` (shape: the region's extent; dtype: the variable's). Each range must start
  /// on a chunk boundary and stop on one or at the array's edge. Thread-safe; regions
  /// written concurrently must not share chunks. Throws CodecError naming the variable
  /// and region on an unknown variable, a misaligned or out-of-range region, or a block
  /// of the wrong shape or dtype; StorageError when the store fails.
  void write_region(const std::string& variable, const Selection& region, const NDArray& block);

  /// Writes the group's metadata again, consolidated unless the writer was created with
  /// `consolidated = false`; after this the store is complete. Call once all regions are
  /// written (by every process).
  void commit();

 private:
  struct State;
  explicit DatasetWriter(std::shared_ptr<const State> state) : state_(std::move(state)) {}
  std::shared_ptr<const State> state_;
};

/// Lazy reads: opens a store's metadata once, then reads whole variables or boxes of them
/// on demand (from any thread; each read fetches only the chunks it needs, in parallel).
/// This is what lazily loaded recalls (dask-backed in Python) read through. A reader is a
/// cheap handle; copies share state.
class DatasetReader {
 public:
  /// Reads the metadata of the group at `url` (consolidated when present); `options`
  /// apply to every read() through the handle. Throws CodecError when there is no group
  /// or its metadata is bad.
  static DatasetReader open(std::string url, ReadOptions options = {});
  /// As open(url), on a location the caller opened (with its `filesystem_options`): the
  /// group is the location's root.
  static DatasetReader open(StoragePtr storage, ReadOptions options = {});

  /// The store's layout with xarray's conventions undone, as read() returns it: each
  /// variable's dims, dtype, shape, attrs and encoding (`chunks`, `zarr_format`,
  /// `fill_value`, compressor), the coordinate names and the group's attributes.
  const DatasetSchema& schema() const;

  /// The elements of `variable` in `selection` (per-dimension [start, stop) index
  /// ranges; dims it does not name are read whole). Throws CodecError naming the variable
  /// when there is none of that name, on a range outside the array, on bad chunks, or
  /// (with MissingChunks::error) on a missing chunk, naming it and the store.
  NDArray read(const std::string& variable, const Selection& selection = {}) const;

 private:
  struct State;
  explicit DatasetReader(std::shared_ptr<const State> state) : state_(std::move(state)) {}
  std::shared_ptr<const State> state_;
};

}  // namespace nuthatch::zarr
