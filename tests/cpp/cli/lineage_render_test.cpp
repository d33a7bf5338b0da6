// The lineage renderers (`nuthatch lineage KEY --format json|dot|svg|html`), on an
// in-memory graph: my_first_cache -> agg_and_clip -> a downstream report, plus an input
// whose key holds every XML special character and "</script>".

#include "cli/lineage_render.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace nh = nuthatch;
using nh::cli::Json;
using nh::cli::LineageEdge;
using nh::cli::LineageGraph;
using nh::cli::LineageNode;

namespace {

constexpr char kNastyKey[] = "odd/<&\"'>/</script><!--x";
constexpr char kNastyId[] = "root:_/odd/<&\"'>/</script><!--x/pickle";
constexpr char kUpstreamId[] = "root:_/my_first_cache/parquet";
constexpr char kFocusId[] = "root:_/agg_and_clip/start=2013/parquet";
constexpr char kDownstreamId[] = "local:reports/summary/year=2013/json";
constexpr char kStaleReason[] = "input my_first_cache was recomputed after this entry";
constexpr std::string_view kSvgNs = "http://www.w3.org/2000/svg";

std::size_t count(std::string_view text, std::string_view what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string_view::npos; at = text.find(what, at + 1)) {
    ++n;
  }
  return n;
}

LineageNode make_node(std::string id, std::string name, std::string key, int depth,
                      std::string state) {
  LineageNode n;
  n.id = std::move(id);
  n.name = std::move(name);
  n.ns = "_";
  n.key = std::move(key);
  n.backend = "parquet";
  n.location = "root";
  n.state = std::move(state);
  n.depth = depth;
  n.manifest = {{"name", n.name}, {"key", n.key}};
  return n;
}

LineageGraph example_graph() {
  LineageGraph g;
  LineageNode up = make_node(kUpstreamId, "my_first_cache", "my_first_cache", -1, "fresh");
  up.bytes = 12897485;  // 12.3 MiB
  up.age = "3h 12m";
  up.compute_seconds = 1.23;
  up.user = "ada";
  up.version = "2";
  up.created = "2024-05-01T10:00:00Z";
  up.entry_id = "01HXYZ";
  LineageNode nasty = make_node(kNastyId, "odd", kNastyKey, -1, "missing");
  nasty.backend = "pickle";
  LineageNode focus = make_node(kFocusId, "agg_and_clip",
                                "agg_and_clip/start=2013-01-01/end=2014-01-01", 0, "stale");
  focus.reasons = {kStaleReason, "code changed"};
  focus.bytes = 2048;
  focus.manifest["inputs"] = Json::array({{{"key", "my_first_cache"}}, {{"key", kNastyKey}}});
  LineageNode down = make_node(kDownstreamId, "summary", "summary/year=2013", 1, "fresh");
  down.ns = "reports";
  down.location = "local";
  g.nodes = {focus, up, down, nasty};  // not in layout order on purpose
  g.edges = {{kUpstreamId, kFocusId}, {kNastyId, kFocusId}, {kFocusId, kDownstreamId}};
  return g;
}

// The JSON text of the HTML's data block, with the "<\/" escapes undone.
std::string data_block(const std::string& html) {
  constexpr std::string_view kOpen = "<script type=\"application/json\" id=\"lineage-data\">";
  const auto begin = html.find(kOpen);
  if (begin == std::string::npos) return "";
  const auto start = begin + kOpen.size();
  const auto end = html.find("</script>", start);
  std::string text = html.substr(start, end - start);
  for (auto at = text.find("<\\/"); at != std::string::npos; at = text.find("<\\/", at)) {
    text.erase(at + 1, 1);
  }
  return text;
}

TEST(LineageRenderTest, JsonHasEveryNodeEdgeAndField) {
  const Json j = Json::parse(nh::cli::render_lineage_json(example_graph()));
  ASSERT_EQ(j["nodes"].size(), 4u);
  ASSERT_EQ(j["edges"].size(), 3u);
  EXPECT_EQ(j["edges"][0], Json({{"from", kUpstreamId}, {"to", kFocusId}}));
  const Json& focus = j["nodes"][0];
  EXPECT_EQ(focus["id"], kFocusId);
  EXPECT_EQ(focus["name"], "agg_and_clip");
  EXPECT_EQ(focus["namespace"], "_");
  EXPECT_EQ(focus["key"], "agg_and_clip/start=2013-01-01/end=2014-01-01");
  EXPECT_EQ(focus["state"], "stale");
  EXPECT_EQ(focus["reasons"][0], kStaleReason);
  EXPECT_EQ(focus["bytes"], 2048);
  EXPECT_EQ(focus["depth"], 0);
  EXPECT_TRUE(focus["compute_seconds"].is_null());  // unknown
  EXPECT_EQ(focus["manifest"]["inputs"][1]["key"], kNastyKey);
  const Json& up = j["nodes"][1];
  for (const char* field : {"backend", "location", "created", "age", "user", "version",
                            "entry_id", "manifest"}) {
    EXPECT_TRUE(up.contains(field)) << field;
  }
  EXPECT_DOUBLE_EQ(up["compute_seconds"].get<double>(), 1.23);
  EXPECT_EQ(up["user"], "ada");
  EXPECT_EQ(j["nodes"][3]["key"], kNastyKey);
  EXPECT_EQ(nh::cli::render_lineage_json(example_graph()).back(), '\n');
}

TEST(LineageRenderTest, SvgDrawsEveryNodeAndEdge) {
  const std::string svg = nh::cli::render_lineage_svg(example_graph());
  EXPECT_EQ(count(svg, "class=\"node\""), 4u);
  EXPECT_EQ(count(svg, "class=\"edge\""), 3u);
  EXPECT_EQ(count(svg, "data-state=\"stale\""), 1u);
  EXPECT_EQ(count(svg, "data-state=\"missing\""), 1u);
  EXPECT_NE(svg.find("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\""), std::string::npos);
  EXPECT_NE(svg.find("viewBox=\"0 0 "), std::string::npos);
  EXPECT_EQ(count(svg, "http"), 1u);  // the namespace only
  EXPECT_NE(svg.find("marker-end=\"url(#arrow)\""), std::string::npos);
  EXPECT_NE(svg.find("stroke-width=\"3\""), std::string::npos);        // the entry asked for
  EXPECT_NE(svg.find("stroke-dasharray=\"6 4\""), std::string::npos);  // missing
  EXPECT_NE(svg.find("class=\"legend\""), std::string::npos);
}

TEST(LineageRenderTest, SvgBoxesShowDetails) {
  const std::string svg = nh::cli::render_lineage_svg(example_graph());
  EXPECT_NE(svg.find("parquet \u00B7 12.3 MiB \u00B7 3h 12m"), std::string::npos);
  EXPECT_NE(svg.find("compute 1.2 s \u00B7 ada \u00B7 v2"), std::string::npos);
  EXPECT_NE(svg.find("stale: input my_first_cache"), std::string::npos);
  EXPECT_EQ(svg.find("stale: code changed"), std::string::npos);  // first reason only
  EXPECT_NE(svg.find("- code changed"), std::string::npos);       // all in the tooltip
}

TEST(LineageRenderTest, SvgEscapesEveryText) {
  const std::string svg = nh::cli::render_lineage_svg(example_graph());
  EXPECT_EQ(svg.find("<&\""), std::string::npos);
  EXPECT_EQ(svg.find("</script>"), std::string::npos);
  EXPECT_EQ(svg.find("<!--"), std::string::npos);
  EXPECT_NE(svg.find("odd/&lt;&amp;&quot;&apos;&gt;/&lt;/script&gt;&lt;!--x"), std::string::npos);
  EXPECT_NE(svg.find("data-id=\"root:_/odd/&lt;&amp;&quot;&apos;&gt;/"), std::string::npos);
  EXPECT_NE(svg.find("data-from=\"root:_/odd/&lt;&amp;&quot;&apos;&gt;/"), std::string::npos);
}

TEST(LineageRenderTest, SvgTruncatesLongKeysButKeepsThemInTheTooltip) {
  LineageGraph g;
  const std::string key = "long/" + std::string(100, 'k') + "/\u00E9t\u00E9";
  g.nodes.push_back(make_node("root:_/long/parquet", "long", key, 0, "fresh"));
  const std::string svg = nh::cli::render_lineage_svg(g);
  EXPECT_NE(svg.find("kkk\u2026</text>"), std::string::npos);
  EXPECT_NE(svg.find("<title>" + key + "\n"), std::string::npos);
}

TEST(LineageRenderTest, SvgReplacesInvalidUtf8AndControlCharacters) {
  LineageGraph g;
  g.nodes.push_back(make_node("id\xff", "bad", "bad\x01key\xc3(\xed\xa0\x80", 0, "fresh"));
  const std::string svg = nh::cli::render_lineage_svg(g);
  EXPECT_EQ(svg.find('\x01'), std::string::npos);
  EXPECT_EQ(svg.find('\xff'), std::string::npos);
  EXPECT_EQ(svg.find('\xed'), std::string::npos);
  EXPECT_NE(svg.find("bad\uFFFDkey\uFFFD(\uFFFD"), std::string::npos);
  EXPECT_TRUE(Json::accept(nh::cli::render_lineage_json(g)));
  EXPECT_TRUE(Json::accept(data_block(nh::cli::render_lineage_html(g))));
}

TEST(LineageRenderTest, SvgSkipsEdgesToUnknownNodes) {
  LineageGraph g = example_graph();
  g.edges.push_back({"nowhere", kFocusId});
  EXPECT_EQ(count(nh::cli::render_lineage_svg(g), "class=\"edge\""), 3u);
}

TEST(LineageRenderTest, HtmlIsSelfContained) {
  const std::string html = nh::cli::render_lineage_html(example_graph());
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("@import"), std::string::npos);
  EXPECT_EQ(count(html, "https://"), 0u);
  EXPECT_EQ(count(html, "http://"), count(html, kSvgNs));
  EXPECT_EQ(count(html, kSvgNs), 1u);
  EXPECT_EQ(count(html, "class=\"node\""), 4u);
  EXPECT_EQ(count(html, "class=\"edge\""), 3u);
  EXPECT_EQ(count(html, "<script"), 2u);
  EXPECT_EQ(count(html, "</script>"), 2u);  // the key's own is escaped
  EXPECT_EQ(count(html, "<!--"), 0u);
  EXPECT_NE(html.find("<\\/script>"), std::string::npos);
  EXPECT_NE(html.find("document.body.dataset.ready = '1'"), std::string::npos);
  EXPECT_NE(html.find("<title>nuthatch lineage: agg_and_clip/start=2013-01-01"),
            std::string::npos);
}

TEST(LineageRenderTest, HtmlDataBlockParsesBack) {
  const LineageGraph g = example_graph();
  const Json data = Json::parse(data_block(nh::cli::render_lineage_html(g)));
  ASSERT_EQ(data["nodes"].size(), g.nodes.size());
  ASSERT_EQ(data["edges"].size(), g.edges.size());
  EXPECT_EQ(data["nodes"][3]["key"], kNastyKey);
  EXPECT_EQ(data["nodes"][3]["id"], kNastyId);
  EXPECT_EQ(data["nodes"][0]["reasons"][1], "code changed");
  EXPECT_EQ(data["nodes"][0]["manifest"]["inputs"][1]["key"], kNastyKey);
  EXPECT_EQ(data, Json::parse(nh::cli::render_lineage_json(g)));
}

TEST(LineageRenderTest, DotNamesEveryNodeAndEdge) {
  const std::string dot = nh::cli::render_lineage_dot(example_graph());
  EXPECT_EQ(dot.rfind("digraph lineage {\n  rankdir=LR;\n", 0), 0u);
  EXPECT_NE(dot.find("node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\"]"),
            std::string::npos);
  const std::string nasty = R"("root:_/odd/<&\"'>/</script><!--x/pickle")";
  for (const std::string& id : {std::string("\"") + kUpstreamId + "\"",
                               std::string("\"") + kFocusId + "\"",
                               std::string("\"") + kDownstreamId + "\"", nasty}) {
    EXPECT_NE(dot.find(id + " [label="), std::string::npos) << id;
  }
  EXPECT_NE(dot.find(std::string("\"") + kUpstreamId + "\" -> \"" + kFocusId + "\";"),
            std::string::npos);
  EXPECT_EQ(count(dot, " -> "), 3u);
  EXPECT_NE(dot.find(nasty + " -> \"" + kFocusId + "\";"), std::string::npos);
  EXPECT_NE(dot.find("fillcolor=\"#ffd98a\""), std::string::npos);  // stale
  EXPECT_NE(dot.find("\\nparquet \u00B7 12.3 MiB"), std::string::npos);
  EXPECT_EQ(dot.back(), '\n');
}

TEST(LineageRenderTest, DotEscapesBackslashesAndNewlines) {
  LineageGraph g;
  g.nodes.push_back(make_node("a\\b", "f", "line1\nline2 \"q\"", 0, "fresh"));
  const std::string dot = nh::cli::render_lineage_dot(g);
  EXPECT_NE(dot.find("\"a\\\\b\" [label=\"line1\\nline2 \\\"q\\\"\\n"), std::string::npos);
  EXPECT_EQ(dot.find("line1\nline2"), std::string::npos);
}

TEST(LineageRenderTest, DotLabelsKeepEntitiesLiteral) {
  LineageGraph g;
  g.nodes.push_back(make_node("a&lt;b", "f", "x&lt;y", 0, "fresh"));
  const std::string dot = nh::cli::render_lineage_dot(g);
  EXPECT_NE(dot.find("\"a&lt;b\" [label=\"x&amp;lt;y\\n"), std::string::npos);
}

TEST(LineageRenderTest, EmptyGraphRenders) {
  const LineageGraph g;
  const Json j = Json::parse(nh::cli::render_lineage_json(g));
  EXPECT_TRUE(j["nodes"].is_array() && j["nodes"].empty());
  EXPECT_TRUE(j["edges"].is_array() && j["edges"].empty());
  const std::string svg = nh::cli::render_lineage_svg(g);
  EXPECT_EQ(count(svg, "class=\"node\""), 0u);
  EXPECT_NE(svg.find("viewBox=\"0 0 "), std::string::npos);
  EXPECT_EQ(count(nh::cli::render_lineage_html(g), "class=\"node\""), 0u);
  EXPECT_NE(nh::cli::render_lineage_dot(g).find("digraph lineage {"), std::string::npos);
}

TEST(LineageRenderTest, SingleNodeRenders) {
  LineageGraph g;
  g.nodes.push_back(make_node(kFocusId, "agg_and_clip", "agg_and_clip", 0, "fresh"));
  const std::string svg = nh::cli::render_lineage_svg(g);
  EXPECT_EQ(count(svg, "class=\"node\""), 1u);
  EXPECT_EQ(count(svg, "class=\"edge\""), 0u);
  const std::string html = nh::cli::render_lineage_html(g);
  EXPECT_EQ(Json::parse(data_block(html))["nodes"].size(), 1u);
  EXPECT_EQ(count(nh::cli::render_lineage_dot(g), " -> "), 0u);
  EXPECT_EQ(Json::parse(nh::cli::render_lineage_json(g))["nodes"][0]["id"], kFocusId);
}

}  // namespace
