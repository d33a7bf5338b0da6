#pragma once
// The layout the original Nuthatch (0.4) writes, read (never written) so that a team's
// existing caches are recalled instead of recomputed. Under a location:
//
//   nuthatch_metadata.nut/<key>[/<ns>]/<backend>.parquet   one row per confirmed entry
//   nuthatch_metadata.nut/<key>[/<ns>].null                a null result
//   [<ns>/]<key>.<extension>                               the data
//
// where <key> is the original's cache key (keys: legacy_cache_key). The metastore rows are
// parquet, and the engine has no parquet decoder: everything needed is in the paths
// (key, namespace, backend) and in the row's existence (the original writes it only once
// its data is written). The row's version, time and user are not read: a legacy entry has
// no version to compare, and stale versions are not detected there.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "meta/entry_store.hpp"

namespace nuthatch::legacy {

/// The object `nuthatch migrate` leaves at the top of a location it migrated entries into
/// (a JSON record of the sources): calls then also look for their original key there
/// (keys: migrated_key).
inline constexpr std::string_view kMigrationMarker = "migrated-from-nuthatch-0.4.json";

/// The original's metastore folder, and the suffixes of its rows.
inline constexpr std::string_view kMetastore = "nuthatch_metadata.nut/";
inline constexpr std::string_view kRowExtension = ".parquet";
inline constexpr std::string_view kNullExtension = ".null";

/// Whether `key` can be a path below the location: no empty (but a trailing one), "." or
/// ".." component, no NUL. Keys and names taken from storage are checked with it first.
bool is_safe_key(std::string_view key);

/// What the original's data of a backend is.
enum class DataShape {
  file,          ///< one file (basic's pickle)
  zarr_group,    ///< a zarr group folder (zarr.json or .zgroup at its top)
  file_or_tree,  ///< one file (pandas) or a folder of files (dask, Hive folders): parquet
  delta_table,   ///< a Delta table folder (`_delta_log/` at its top), read by the Python package
};

/// A backend of the original and the engine backend that reads its data.
struct Backend {
  std::string_view original;   ///< its name in the metastore ("basic")
  std::string_view engine;     ///< the engine backend reading it ("pickle")
  std::string_view extension;  ///< its data's extension, without the dot ("pkl")
  DataShape shape = DataShape::file;
  bool tree() const { return shape != DataShape::file; }  ///< read by the codec's read_tree
};

/// Whether the data of (ns, key) for `b` is at the location.
bool data_exists(Storage& storage, std::string_view ns, std::string_view key, const Backend& b);

/// The original's backends that the engine reads (basic, zarr, parquet, and delta, whose
/// tables the Python package reads); others (sql, terracotta) are not read yet.
const std::vector<Backend>& backends();
const Backend* by_engine_name(std::string_view engine_backend);
const Backend* by_original_name(std::string_view original_backend);

/// Paths, relative to the location. `ns` is the engine's namespace ("_" = none, which the
/// original writes as no folder).
std::string metastore_row(std::string_view ns, std::string_view key, const Backend& b);
std::string metastore_folder(std::string_view ns, std::string_view key);
std::string null_marker(std::string_view ns, std::string_view key);
std::string data_path(std::string_view ns, std::string_view key, const Backend& b);

/// The entry (ns, key, engine backend) of a legacy location, as a manifest the engine
/// reads like its own: `legacy` set, no version, checksum or stamps; the generation is the
/// metastore row's. std::nullopt when absent.
std::optional<ManifestRecord> find(Storage& storage, const std::string& ns,
                                   const std::string& key, const std::string& backend);

/// The engine backends with an entry for (ns, key), including "null".
std::vector<std::string> backends_of(Storage& storage, const std::string& ns,
                                     const std::string& key);

}  // namespace nuthatch::legacy
