#pragma once
// Rendering a lineage graph for `nuthatch lineage KEY --format svg|html|dot|json`: the
// entry asked for, the entries it read (upstream) and the entries that read it
// (downstream). The SVG layout is a simple layered one of our own (no Graphviz needed);
// the HTML is one self-contained file (inline SVG and script, nothing fetched).

#include <cstdint>
#include <string>
#include <vector>

#include "cli/output.hpp"

namespace nuthatch::cli {

struct LineageNode {
  std::string id;        ///< unique, e.g. "root:_/agg_and_clip/start=2013/parquet"
  std::string name;      ///< function name
  std::string ns;        ///< namespace ("_" = none)
  std::string key;       ///< the cache key
  std::string backend;
  std::string location;  ///< "root", "local", a mirror name
  /// "fresh" | "stale" | "input-missing" | "missing" (an input recorded but no longer
  /// stored).
  std::string state;
  std::vector<std::string> reasons;  ///< why stale
  std::uint64_t bytes = 0;
  std::string created;  ///< RFC 3339 UTC, may be empty
  std::string age;      ///< human text like "3h 12m", may be empty
  double compute_seconds = -1;  ///< < 0: unknown (null in JSON)
  std::string user;
  std::string version;
  std::string entry_id;
  int depth = 0;  ///< < 0 upstream (inputs), 0 the entry asked for, > 0 downstream
  Json manifest = Json::object();  ///< the node's manifest fields, shown on click in HTML
};

/// `from` is the input, `to` the entry that read it.
struct LineageEdge {
  std::string from;
  std::string to;
};

struct LineageGraph {
  std::vector<LineageNode> nodes;
  std::vector<LineageEdge> edges;
};

/// {"nodes": [...every field...], "edges": [{"from", "to"}]}, pretty, final newline.
std::string render_lineage_json(const LineageGraph& g);
/// A Graphviz digraph (rankdir=LR), boxes filled by state, edges input -> reader.
std::string render_lineage_dot(const LineageGraph& g);
/// A standalone SVG document. Edges naming an unknown node are not drawn.
std::string render_lineage_svg(const LineageGraph& g);
/// One self-contained HTML file: the SVG inline, pan / zoom / fit, and a side panel
/// showing a clicked node's manifest and reasons.
std::string render_lineage_html(const LineageGraph& g);

}  // namespace nuthatch::cli
