// `nuthatch lineage KEY [filters] [--up N] [--down N] [--format svg|html|dot|json]
// [-o FILE]`: the entries that fed the selected ones (their inputs, transitively, up to N
// levels) and the entries they fed (down to N levels), each with its state, size, age,
// compute time, user and version. Drawing is lineage_render's.

#include <fmt/format.h>

#include <deque>
#include <functional>
#include <fstream>
#include <map>
#include <memory>
#include <set>

#include "cli/command.hpp"
#include "cli/entry_graph.hpp"
#include "cli/lineage_render.hpp"
#include "cli/output.hpp"
#include "common/strings.hpp"
#include "common/time.hpp"
#include "config/secrets.hpp"
#include "nuthatch/config.hpp"

namespace nuthatch::cli {
namespace {

struct LineageArgs {
  EntryFilter filter;
  int up = staleness::kMaxInputDepth;
  int down = staleness::kMaxInputDepth;
  std::string format = "json";
  std::string output;
};

std::string age_of(const std::string& created) {
  const std::optional<std::int64_t> at = parse_iso8601_ns(created);
  if (!at) return {};
  const std::int64_t s = std::max<std::int64_t>(0, (now_ns() - *at) / 1'000'000'000);
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return fmt::format("{}m", s / 60);
  if (s < 86400) return fmt::format("{}h {}m", s / 3600, s % 3600 / 60);
  return fmt::format("{}d {}h", s / 86400, s % 86400 / 3600);
}

LineageNode node_of(const EntryGraph& graph, std::size_t i, int depth) {
  const GraphEntry& g = graph.entries()[i];
  const Manifest& m = g.manifest;
  const EntryInfo& e = g.listed.info;
  Manifest shown = m;
  shown.args = config::mask_secrets(m.args, false);
  const staleness::Verdict v = graph.verdict(i);
  LineageNode n;
  n.id = place_id(e.location, e.ns, e.key, e.backend);
  n.name = m.name;
  n.ns = e.ns;
  n.key = e.key;
  n.backend = e.backend;
  n.location = e.location;
  n.state = EntryGraph::state_of(v);
  n.reasons = v.reasons;
  n.bytes = m.bytes;
  n.created = m.created;
  n.age = age_of(m.created);
  n.compute_seconds = m.compute_seconds;
  n.user = m.user;
  n.version = m.version;
  n.entry_id = m.entry_id;
  n.depth = depth;
  n.manifest = manifest_json(shown);
  return n;
}

LineageNode missing_node(const InputRef& in, int depth) {
  LineageNode n;
  n.id = place_id(in.location, in.ns, in.key, in.backend);
  n.name = in.key.substr(0, in.key.find('/'));
  n.ns = in.ns;
  n.key = in.key;
  n.backend = in.backend;
  n.location = in.location;
  n.state = "missing";
  n.reasons = {"no longer stored"};
  n.entry_id = in.entry_id;
  n.depth = depth;
  n.manifest = {{"namespace", in.ns}, {"key", in.key}, {"backend", in.backend},
                {"entry_id", in.entry_id}, {"location", in.location}};
  return n;
}

// Walks inputs (up) and readers (down) breadth first from the selected entries.
LineageGraph walk(const EntryGraph& graph, const std::vector<std::size_t>& start,
                  const LineageArgs& args) {
  LineageGraph out;
  std::map<std::string, std::size_t> placed;  // node id -> index in out.nodes
  std::set<std::pair<std::string, std::string>> edges;
  // A node is made (its verdict judged, its manifest shown) once, when first reached.
  auto add = [&](const std::string& id, const std::function<LineageNode()>& make) {
    if (placed.contains(id)) return false;
    placed[id] = out.nodes.size();
    out.nodes.push_back(make());
    return true;
  };
  auto id_of = [&](std::size_t i) {
    const EntryInfo& e = graph.entries()[i].listed.info;
    return place_id(e.location, e.ns, e.key, e.backend);
  };
  std::deque<std::pair<std::size_t, int>> up, down;
  for (std::size_t i : start) {
    add(id_of(i), [&] { return node_of(graph, i, 0); });
    up.emplace_back(i, 0);
    down.emplace_back(i, 0);
  }
  for (; !up.empty(); up.pop_front()) {
    const auto [i, depth] = up.front();
    if (-depth >= args.up) continue;
    const std::string to = id_of(i);
    for (const InputRef& in : graph.entries()[i].manifest.inputs) {
      std::optional<std::size_t> j = graph.at(in);
      const std::string id = j ? id_of(*j) : place_id(in.location, in.ns, in.key, in.backend);
      edges.emplace(id, to);
      const bool added = add(id, [&, d = depth] {
        return j ? node_of(graph, *j, d - 1) : missing_node(in, d - 1);
      });
      if (added && j) up.emplace_back(*j, depth - 1);
    }
  }
  for (; !down.empty(); down.pop_front()) {
    const auto [i, depth] = down.front();
    if (depth >= args.down) continue;
    const std::string from = id_of(i);
    for (std::size_t j : graph.readers(i)) {
      const std::string id = id_of(j);
      edges.emplace(from, id);
      if (add(id, [&, d = depth] { return node_of(graph, j, d + 1); })) {
        down.emplace_back(j, depth + 1);
      }
    }
  }
  for (const auto& [from, to] : edges) out.edges.push_back({from, to});
  return out;
}

int run_lineage(const LineageArgs& args) {
  const EntryGraph graph = EntryGraph::load(false);
  std::vector<std::size_t> start;
  for (std::size_t i = 0; i < graph.entries().size(); ++i) {
    const EntryInfo& e = graph.entries()[i].listed.info;
    if (!passes(args.filter, e)) continue;
    if (args.filter.location != kAllLocations && e.location != args.filter.location) continue;
    start.push_back(i);
  }
  if (start.empty()) throw Failure(fmt::format("no entries {}", describe(args.filter)));
  const LineageGraph g = walk(graph, start, args);
  std::string text;
  if (args.format == "json") text = render_lineage_json(g);
  else if (args.format == "dot") text = render_lineage_dot(g);
  else if (args.format == "svg") text = render_lineage_svg(g);
  else text = render_lineage_html(g);
  text = redact(std::move(text));
  if (args.output.empty()) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return kExitOk;
  }
  std::ofstream file(args.output, std::ios::binary);
  file << text;
  if (!file.flush()) throw Failure(fmt::format("cannot write {}", args.output));
  fmt::print(stderr, "wrote the lineage of {} entries ({} nodes) to {}\n", start.size(),
             g.nodes.size(), args.output);
  return kExitOk;
}

}  // namespace

Command add_lineage_command(CLI::App& app) {
  auto args = std::make_shared<LineageArgs>();
  CLI::App* cmd = app.add_subcommand(
      "lineage", "Draw the entries that fed an entry and the entries it fed");
  cmd->add_option("KEY", args->filter.key_glob,
                  "The entry's key (a glob, or a function name: all of its entries)")
      ->required();
  add_filter_options(*cmd, args->filter);
  cmd->add_option("--up", args->up, "Levels of inputs to show")
      ->capture_default_str()
      ->check(CLI::Range(0, staleness::kMaxInputDepth));
  cmd->add_option("--down", args->down, "Levels of readers to show")
      ->capture_default_str()
      ->check(CLI::Range(0, staleness::kMaxInputDepth));
  cmd->add_option("--format", args->format, "svg, html (one self-contained file), dot or json")
      ->capture_default_str()
      ->check(CLI::IsMember({"svg", "html", "dot", "json"}));
  cmd->add_option("-o,--output", args->output, "Write to this file instead of standard output");
  return {cmd, [args] { return run_lineage(*args); }};
}

}  // namespace nuthatch::cli
