#pragma once
// Finding garbage in one entry store for `nuthatch gc`: retired payloads whose grace
// period is over, orphaned payloads, stale retirement markers, stale temporary files of
// the file driver, and manifests whose payload is missing.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "meta/entry_store.hpp"

namespace nuthatch::cli {

/// Something gc may remove.
struct Garbage {
  enum class Kind {
    retired_payload,  ///< a payload replaced or deleted longer ago than the grace period
    orphan_payload,   ///< a payload no manifest names and no marker retires (a crash)
    stale_marker,     ///< a retirement marker whose payload is named again, or gone
    temp_file,        ///< a file driver's temporary file left by a crash
  };
  Kind kind = Kind::orphan_payload;
  /// The payload's path (a file, or a tree's root without the trailing '/'), the
  /// marker's path, or the temp file's key: always relative to the location.
  std::string path;
  std::uint64_t bytes = 0;
  std::uint64_t objects = 0;  ///< objects under a tree payload (1 for a file)
  /// What the age is judged by: the retirement marker's storage time for retired
  /// payloads, else the newest modification of anything in it.
  std::int64_t mtime_ns = 0;
  bool directory = false;  ///< temp_file: a temporary directory (a tree being written)
};

std::string_view kind_name(Garbage::Kind kind);

/// A manifest naming a payload that does not exist (checked twice).
struct BrokenEntry {
  std::string manifest_path;
  Manifest manifest;
};

struct GcScan {
  std::vector<Garbage> garbage;  ///< older than the grace period only
  std::vector<BrokenEntry> broken;
};

/// Scans a store. Only garbage whose age mark is at or before `cutoff_ns` (storage time)
/// is returned. Memory grows with the number of entries and of garbage items, not with
/// the number of objects: data/ is read page by page.
GcScan scan_store(const std::shared_ptr<EntryStore>& store, std::int64_t cutoff_ns,
                  bool show_progress);

/// Removes what a scan found; returns, per item of `garbage`, the error ("" = removed).
/// Trees are removed object by object, by listing data/ again and removing only objects
/// under the roots judged garbage; retirement markers go after their payloads.
std::vector<std::string> remove_garbage(EntryStore& store, const std::vector<Garbage>& garbage);

}  // namespace nuthatch::cli
