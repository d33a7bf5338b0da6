#pragma once
// Finding garbage in one entry store for `nuthatch gc`: orphaned payloads, stale
// temporary files of the file driver, and manifests whose payload is missing.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "meta/entry_store.hpp"

namespace nuthatch::cli {

/// Something gc may remove.
struct Garbage {
  enum class Kind { orphan_payload, orphan_tree, temp_file };
  Kind kind = Kind::orphan_payload;
  /// orphan_payload: the object's path; orphan_tree: the tree's path (no trailing '/');
  /// temp_file: an absolute local path.
  std::string path;
  std::uint64_t bytes = 0;
  std::int64_t mtime_ns = 0;  ///< newest modification (trees: of any object in it)
  /// orphan_tree: the unreferenced objects seen in it, the only ones gc removes.
  std::vector<std::string> objects;
};

std::string_view kind_name(Garbage::Kind kind);

/// A manifest naming a payload that does not exist (checked twice).
struct BrokenEntry {
  std::string manifest_path;
  Manifest manifest;
};

struct GcScan {
  std::vector<Garbage> garbage;   ///< older than the grace period only
  std::vector<BrokenEntry> broken;
};

/// Scans a store. Payloads are orphaned when no manifest names them; a payload whose
/// manifest could not be read is never collected. Only garbage last modified at or before
/// `cutoff_ns` is returned (a payload younger than that may belong to a commit in flight).
GcScan scan_store(const std::shared_ptr<EntryStore>& store, std::int64_t cutoff_ns,
                  bool show_progress);

}  // namespace nuthatch::cli
