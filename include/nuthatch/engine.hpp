#pragma once
/// The type-erased engine (DESIGN §4, §5, §7): option resolution, levels, lookup,
/// compute, commit, nested-call context, lineage, processors, memoizer. The typed C++
/// API (cache.hpp) and the Python binding are thin layers over engine::call.
/// Thread-safe: any number of threads may call cached functions concurrently.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "nuthatch/boxed.hpp"
#include "nuthatch/codec.hpp"
#include "nuthatch/memory.hpp"
#include "nuthatch/options.hpp"
#include "nuthatch/storage.hpp"
#include "nuthatch/value.hpp"

namespace nuthatch {

/// How a front end's result type maps onto stored types.
class ResultAdapter {
 public:
  virtual ~ResultAdapter() = default;
  /// Default backend of results, or "" when it depends on the value (the engine then
  /// recalls whichever backend an entry was stored with, and asks backend_for() when
  /// writing).
  virtual std::string default_backend() const = 0;
  /// Backend for a computed result when default_backend() is "".
  virtual std::string backend_for(const Boxed& result) const { return default_backend(); }
  /// Result -> the stored type of `codec`. Throws CodecError / ConfigError when the
  /// backend cannot store this result type.
  virtual Boxed to_stored(const Boxed& result, const Codec& codec) const = 0;
  /// Stored value -> result (`engine` is the engine= read hint).
  virtual Boxed from_stored(const Boxed& stored, const Codec& codec,
                            const std::string& engine) const = 0;
  /// Opens a stored multi-file entry (e.g. a Zarr store) by its payload location instead of
  /// letting the engine read it, for front ends that load such results lazily (Python:
  /// a dask-backed xarray Dataset). std::nullopt, the default, makes the engine read the
  /// payload through the codec (reading only a processor's read_range when it names one).
  /// Asked first also when a processor names a range: a lazy result reads only what the
  /// processors touch. `kwargs`: the call's backend_kwargs (Python's zarr reads take
  /// `chunking` and `target_read_chunk_size_mb` from them).
  virtual std::optional<Boxed> open(const PayloadLocation& payload, const Codec& codec,
                                    const std::string& engine, const Value& kwargs) const {
    return std::nullopt;
  }
  /// Writes a result's multi-file payload (e.g. a Zarr store) at `payload` itself, for
  /// front ends that stream results too large to hold (Python: a dask-backed Dataset
  /// written block by block through nh::zarr::DatasetWriter), and returns the bytes
  /// written; the engine then commits the manifest as usual. std::nullopt, the default,
  /// makes the engine store to_stored()'s value through the codec.
  virtual std::optional<std::uint64_t> write(const Boxed& result, const Codec& codec,
                                             const PayloadLocation& payload,
                                             const Value& kwargs) const {
    return std::nullopt;
  }
  /// Approximate bytes held by a result, for the memoizer's budget.
  virtual std::size_t memory_size(const Boxed& result) const = 0;
  /// The memoizer pool a result is kept in (Python: remote for persisted dask-backed
  /// results, as the original Nuthatch counts them).
  virtual MemoryPool memory_pool(const Boxed& result) const { return MemoryPool::local; }
  /// The form a result is memoized in, which the call then returns too (Python: a
  /// dask-backed result persisted, as the original Nuthatch does, so that later uses do
  /// not compute its graph again). The default keeps the result as it is.
  virtual Boxed for_memory(const Boxed& result) const { return result; }
  /// Whether a call that has just written `result` as a multi-file entry returns the
  /// entry as open() opens it instead (Python: a dask-backed result, whose graph would
  /// otherwise be computed again by every use; the original Nuthatch returns it
  /// persisted). The default returns the result as computed.
  virtual bool returns_written(const Boxed& result) const { return false; }
  /// The result of merging the rows `rows` into the stored table `stored` (upsert): rows
  /// of `stored` whose `keys` columns match a row of `rows` are replaced by it, the others
  /// kept, and the rows of `rows` with new keys added. The default refuses: only table
  /// results can be upserted.
  virtual Boxed upsert(const Boxed& stored, const Boxed& rows,
                       const std::vector<std::string>& keys) const;
};

/// A cached function, as declared once.
struct FunctionSpec {
  std::string name;                 ///< first key segment; validated
  std::vector<std::string> params;  ///< argument names, in call order
  CacheOptions options;
  std::shared_ptr<const ResultAdapter> adapter;
  std::string code;  ///< code fingerprint recorded in manifests (its digest)
  /// The fingerprint's named components (DESIGN §4 Staleness): for C++ functions the
  /// version and CacheOptions::code_version; Python records its source's components.
  std::map<std::string, std::string> code_components;
};

/// A function's code fingerprint: the digest recorded as a manifest's `code`, and its
/// components (name -> hash, or a version's text).
struct CodeFingerprint {
  std::string digest;
  std::map<std::string, std::string> components;
};

/// The digest of a fingerprint's components (32 hex digits): every component but those
/// named "package ..." (third-party versions are listed, not compared, unless asked).
std::string fingerprint_digest(const std::map<std::string, std::string>& components);

/// The argument values of one call, in `params` order. Arguments that could not be
/// turned into values are named in `unkeyable` (their value is null).
struct CallArgs {
  std::vector<Value> values;
  std::vector<std::string> unkeyable;
};

namespace engine {

/// Runs one call: resolves options, looks the entry up level by level, computes on a
/// miss (calling `compute`, which returns an empty Boxed for "no value"), commits, runs
/// processors, memoizes. Exceptions from `compute` propagate unchanged.
Boxed call(const FunctionSpec& fn, CallArgs args, const CallOptions& options,
           const std::function<Boxed()>& compute);

/// filepath_only: the URL of the entry's payload. On a miss the call computes and
/// writes as usual first (as the original's filepath_only does); when nothing is
/// written (read-only modes), the URL the entry would have at the first write level.
std::string uri(const FunctionSpec& fn, CallArgs args, const CallOptions& options,
                const std::function<Boxed()>& compute);

/// What stored_entry() tells of an entry.
struct StoredEntry {
  std::string backend;  ///< "null" for a null entry
  std::string created;  ///< when it was committed (RFC 3339, UTC)
};

/// The entry a call would recall at the location it writes (the root; the local level
/// for the local modes), without reading its payload, or std::nullopt when there is
/// none. The call's backend, when it names one, else whichever backend is stored.
std::optional<StoredEntry> stored_entry(const FunctionSpec& fn, CallArgs args,
                                        const CallOptions& options);

/// The URL of the folder of manifests (meta/) of the store that a call's entry is
/// written to: where this engine keeps what the original Nuthatch kept in its metastore
/// (`nuthatch_metadata.nut`).
std::string metadata_url(const FunctionSpec& fn, CallArgs args, const CallOptions& options);

/// What status() tells of a call's entry (DESIGN §4 Staleness).
struct EntryStatus {
  std::string state;                 ///< "fresh" | "stale" | "missing"
  std::vector<std::string> reasons;  ///< why stale: changed code components, inputs
  bool input_missing = false;        ///< an input it read was deleted
  std::string location;              ///< where the entry was found ("" when missing)
  std::string key;
  std::string entry_id;
};

/// Whether the entry a call would recall is fresh, stale (and why) or missing, looked up
/// at the levels the call reads, in order, without reading its payload or computing.
EntryStatus status(const FunctionSpec& fn, CallArgs args, const CallOptions& options);

/// Records that the function's current code is equivalent to the code that the call's
/// entry (at the level the call writes) was computed with, so it is no longer stale by
/// code: the manifest's `code` and `code_components` become the current ones, and the
/// replaced ones are appended to its `code_history`. Returns false when there is no
/// entry. Throws StorageError where the location is read-only.
bool bless(const FunctionSpec& fn, CallArgs args, const CallOptions& options);

/// Removes that entry: its value entry, or with `null_entry` its null entry (its payload
/// is retired; `nuthatch gc` reclaims it). Returns false when there was none. Throws
/// StorageError where the location is read-only.
bool remove(const FunctionSpec& fn, CallArgs args, const CallOptions& options, bool null_entry);

}  // namespace engine

/// Empties the in-process memoizer.
void clear_memoizer();

/// The memoizer's results in `pool` as (memo key, bytes), least recently used first
/// (Python: nuthatch.memoizer.local_object_size / remote_object_size).
std::vector<std::pair<std::string, std::size_t>> memoized_sizes(MemoryPool pool);

/// The nested-call context of the current thread (inherited options, recompute /
/// memoize selections, lineage). Capture it on one thread and enter it on a worker
/// thread so that calls there behave as nested calls:
///   auto ctx = nh::CallContext::capture();
///   pool.submit([ctx] { nh::CallContext::Scope in(ctx); f(x); });
class CallContext {
 public:
  static CallContext capture();
  class Scope {
   public:
    explicit Scope(const CallContext& context);
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    std::shared_ptr<void> saved_;
  };
  struct Frame;

 private:
  std::shared_ptr<Frame> frame_;
};

}  // namespace nuthatch
