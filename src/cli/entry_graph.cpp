#include "cli/entry_graph.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "nuthatch/config.hpp"

namespace nuthatch::cli {
namespace {

std::string function_id(const Manifest& m) {
  return fmt::format("{}\n{}\n{}", m.ns, m.name, m.version);
}

}  // namespace

std::string place_id(const std::string& location, const std::string& ns, const std::string& key,
                     const std::string& backend) {
  return fmt::format("{}:{}/{}/{}", location, ns, key, backend);
}

EntryGraph EntryGraph::load(bool show_progress) {
  EntryGraph g;
  EntryFilter every;
  every.location = std::string(kAllLocations);
  std::vector<ListedEntry> listed = select_entries(every);
  std::vector<std::optional<Manifest>> manifests = read_manifests(listed, show_progress);
  for (std::size_t i = 0; i < listed.size(); ++i) {
    if (!manifests[i]) continue;  // vanished or unreadable (reported by read_manifests)
    g.entries_.push_back({std::move(listed[i]), std::move(*manifests[i])});
  }
  for (const Location* l : Locations::current()->all()) g.locations_.push_back(l->name());
  // As a call judges it (the parameter's type is checked where it is set).
  const std::optional<Value> packages = get_parameter("stale_on_packages");
  g.stale_on_packages_ = packages && packages->is_bool() && packages->as<bool>();
  g.readers_.resize(g.entries_.size());
  for (std::size_t i = 0; i < g.entries_.size(); ++i) {
    const EntryInfo& e = g.entries_[i].listed.info;
    g.by_place_[place_id(e.location, e.ns, e.key, e.backend)] = i;
  }
  for (std::size_t i = 0; i < g.entries_.size(); ++i) {
    const Manifest& m = g.entries_[i].manifest;
    for (const InputRef& in : m.inputs) {
      if (auto j = g.at(in); j && *j != i) g.readers_[*j].push_back(i);
    }
    if (m.code_components.empty()) continue;
    auto [it, added] = g.newest_code_.emplace(function_id(m), i);
    if (!added && g.entries_[it->second].manifest.created < m.created) it->second = i;
  }
  for (auto& r : g.readers_) {
    std::sort(r.begin(), r.end());
    r.erase(std::unique(r.begin(), r.end()), r.end());
  }
  return g;
}

std::optional<std::size_t> EntryGraph::at(const InputRef& in) const {
  auto it = by_place_.find(place_id(in.location, in.ns, in.key, in.backend));
  if (it == by_place_.end()) return std::nullopt;
  return it->second;
}

bool EntryGraph::knows_location(const std::string& name) const {
  return std::find(locations_.begin(), locations_.end(), name) != locations_.end();
}

std::optional<staleness::InputAnswer> EntryGraph::answer(const InputRef& in, int depth) const {
  if (!knows_location(in.location)) return std::nullopt;  // cannot be judged here
  std::optional<std::size_t> j = at(in);
  if (!j) return staleness::InputAnswer{};  // deleted
  staleness::InputAnswer a{entries_[*j].manifest.entry_id, {}};
  if (depth < staleness::kMaxInputDepth) a.verdict = upstream(*j, depth + 1);
  return a;
}

staleness::Verdict EntryGraph::upstream(std::size_t i, int depth) const {
  if (auto it = upstream_memo_.find(i); it != upstream_memo_.end()) return it->second;
  staleness::Verdict v = staleness::judge_inputs(
      entries_[i].manifest, [&](const InputRef& in) { return answer(in, depth); });
  upstream_memo_[i] = v;
  return v;
}

staleness::Verdict EntryGraph::verdict(std::size_t i) const {
  const Manifest& m = entries_[i].manifest;
  staleness::Verdict v;
  if (auto it = newest_code_.find(function_id(m)); it != newest_code_.end() && it->second != i) {
    const Manifest& newest = entries_[it->second].manifest;
    if (newest.code != m.code || stale_on_packages_) {
      for (std::string& r : staleness::code_changes(m.code_components, newest.code_components,
                                                    stale_on_packages_)) {
        v.reasons.push_back(fmt::format("{} (in the code of a later run, {})", r, newest.created));
      }
    }
  }
  staleness::Verdict up = upstream(i, 0);
  v.reasons.insert(v.reasons.end(), up.reasons.begin(), up.reasons.end());
  v.input_missing = up.input_missing;
  return v;
}

std::string EntryGraph::state_of(const staleness::Verdict& v) {
  if (v.input_missing) return "input-missing";
  return v.stale() ? "stale" : "fresh";
}

}  // namespace nuthatch::cli
