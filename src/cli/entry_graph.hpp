#pragma once
// Every entry of every configured location with its manifest, as a graph: an entry's
// inputs (the entries it read while computing) and its readers (the entries that read
// it). What `nuthatch status`, `lineage` and `delete --downstream` walk; the staleness
// rules themselves are location/staleness.hpp's.

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cli/selection.hpp"
#include "location/staleness.hpp"

namespace nuthatch::cli {

struct GraphEntry {
  ListedEntry listed;
  Manifest manifest;
};

class EntryGraph {
 public:
  /// Lists every location and reads every manifest (progress when `show_progress`).
  static EntryGraph load(bool show_progress);

  const std::vector<GraphEntry>& entries() const { return entries_; }
  /// The entry stored at an input's place, if any.
  std::optional<std::size_t> at(const InputRef& in) const;
  /// The entries whose inputs name entry `i`'s place (whichever entry id they read).
  const std::vector<std::size_t>& readers(std::size_t i) const { return readers_[i]; }
  /// Whether the configuration has the location an input was read from.
  bool knows_location(const std::string& name) const;

  /// Why entry `i` is stale: its code against the newest fingerprint recorded for its
  /// function (same name, namespace and version), then its inputs, transitively.
  staleness::Verdict verdict(std::size_t i) const;
  /// A verdict's state: "fresh" | "stale" | "input-missing".
  static std::string state_of(const staleness::Verdict& v);

 private:
  std::optional<staleness::InputAnswer> answer(const InputRef& in, int depth) const;
  staleness::Verdict upstream(std::size_t i, int depth) const;

  std::vector<GraphEntry> entries_;
  std::map<std::string, std::size_t> by_place_;
  std::vector<std::vector<std::size_t>> readers_;
  std::vector<std::string> locations_;
  /// The newest entry (by creation) of each function that records code components.
  std::map<std::string, std::size_t> newest_code_;
  bool stale_on_packages_ = false;  ///< the configuration's `stale_on_packages`
  mutable std::map<std::size_t, staleness::Verdict> upstream_memo_;
};

/// "<location>:<ns>/<key>/<backend>": a place's id in graphs and maps.
std::string place_id(const std::string& location, const std::string& ns, const std::string& key,
                     const std::string& backend);

}  // namespace nuthatch::cli
