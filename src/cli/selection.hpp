#pragma once
// Which entries a command works on: locations, their entry stores, and the key /
// namespace / backend filters shared by list, delete and du.

#include <CLI/CLI.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "location/location.hpp"

namespace nuthatch::cli {

/// --location value meaning every configured location.
inline constexpr std::string_view kAllLocations = "all";

struct EntryFilter {
  std::string key_glob;             ///< "" = every key
  std::string ns;                   ///< glob; "" = every namespace ("_" = none)
  std::string backend;              ///< glob; "" = every backend
  std::string location = "root";    ///< a location name or "all"
};

/// Adds --namespace, --backend and --location to a subcommand.
void add_filter_options(CLI::App& cmd, EntryFilter& filter);

/// "matching 'f*' in namespace ns at location root", for messages.
std::string describe(const EntryFilter& filter);

/// The locations a --location value stands for ("all": every configured one).
/// ConfigError for an unknown name.
std::vector<const Location*> locations_of(const Locations& all, const std::string& location);

/// Whether a key matches a glob. A pattern without '/' also matches the keys below it
/// ("f" matches "f/x=1"), so a function name selects all of its entries.
bool key_matches(std::string_view glob, std::string_view key);

/// Whether an entry's key, namespace and backend pass the filter (not its location).
bool passes(const EntryFilter& filter, const EntryInfo& info);

/// One entry and the store it was found in.
struct ListedEntry {
  EntryInfo info;
  std::shared_ptr<EntryStore> store;
};

/// The entries passing the filter, sorted by namespace, key, backend and location.
std::vector<ListedEntry> select_entries(const EntryFilter& filter);

/// Reads the manifests of `entries` on a few threads (progress shown when
/// `show_progress`). std::nullopt where a manifest vanished meanwhile or cannot be
/// parsed (the latter with a warning naming it).
std::vector<std::optional<Manifest>> read_manifests(const std::vector<ListedEntry>& entries,
                                                    bool show_progress);

}  // namespace nuthatch::cli
