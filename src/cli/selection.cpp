#include "cli/selection.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <set>
#include <tuple>

#include "cli/progress.hpp"
#include "common/log.hpp"
#include "common/strings.hpp"
#include "config/config.hpp"
#include "location/location.hpp"

namespace nuthatch::cli {

void add_filter_options(CLI::App& cmd, EntryFilter& filter) {
  cmd.add_option("--namespace", filter.ns, "Only this namespace (glob; '_' = no namespace)");
  cmd.add_option("--backend", filter.backend, "Only this backend (glob), e.g. basic, zarr");
  cmd.add_option("--location", filter.location,
                 "Location: root, local, mirror-<name>, or 'all'")
      ->capture_default_str();
}

std::string describe(const EntryFilter& filter) {
  std::string out;
  if (!filter.key_glob.empty()) out += fmt::format(" matching '{}'", filter.key_glob);
  if (!filter.ns.empty()) out += fmt::format(" in namespace {}", filter.ns);
  if (!filter.backend.empty()) out += fmt::format(" with backend {}", filter.backend);
  out += filter.location == kAllLocations ? std::string(" at any location")
                                          : " at location " + filter.location;
  return out.substr(1);
}

std::vector<const Location*> locations_of(const Locations& all, const std::string& location) {
  if (location == kAllLocations) return all.all();
  return {&all.named(location)};
}

bool key_matches(std::string_view glob, std::string_view key) {
  if (glob.empty() || glob_match(glob, key)) return true;
  if (glob.find('/') != std::string_view::npos) return false;
  return glob_match(std::string(glob) + "/*", key);
}

namespace {
// Sorts by (namespace, key, backend, location), moving each entry once: swapping whole
// entries during the sort costs more than the sort itself at 100,000 entries.
std::vector<ListedEntry> sorted(std::vector<ListedEntry> entries) {
  std::vector<std::size_t> order(entries.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const EntryInfo& x = entries[a].info;
    const EntryInfo& y = entries[b].info;
    return std::tie(x.ns, x.key, x.backend, x.location) <
           std::tie(y.ns, y.key, y.backend, y.location);
  });
  std::vector<ListedEntry> out;
  out.reserve(entries.size());
  for (std::size_t i : order) out.push_back(std::move(entries[i]));
  return out;
}

}  // namespace

bool passes(const EntryFilter& filter, const EntryInfo& info) {
  return key_matches(filter.key_glob, info.key) &&
         (filter.ns.empty() || glob_match(filter.ns, info.ns)) &&
         (filter.backend.empty() || glob_match(filter.backend, info.backend));
}

std::vector<ListedEntry> select_entries(const EntryFilter& filter) {
  std::vector<ListedEntry> out;
  std::shared_ptr<const Locations> all = Locations::current();
  for (const Location* location : locations_of(*all, filter.location)) {
    for (auto& store : location->stores()) {
      for (EntryInfo& info : store->list()) {
        if (passes(filter, info)) out.push_back({std::move(info), store});
      }
    }
  }
  return sorted(std::move(out));
}

std::vector<std::optional<Manifest>> read_manifests(const std::vector<ListedEntry>& entries,
                                                    bool show_progress) {
  std::vector<std::optional<Manifest>> out(entries.size());
  Progress progress("reading manifests", entries.size(), show_progress);
  parallel_for(entries.size(), kReadThreads, [&](std::size_t i) {
    out[i] = entries[i].store->manifest_at(entries[i].info.manifest_path);
    progress.advance();
  });
  return out;
}

}  // namespace nuthatch::cli
