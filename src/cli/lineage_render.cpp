#include "cli/lineage_render.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstdlib>
#include <iterator>
#include <numeric>
#include <string_view>
#include <tuple>
#include <unordered_map>

namespace nuthatch::cli {
namespace {

// Layout, in SVG pixels. Text is 12px monospace (about 7.2px a character), so a line
// of kMaxChars fits a box of kBoxWidth with kPad on each side.
constexpr int kBoxWidth = 300;
constexpr int kPad = 10;
constexpr int kLineHeight = 16;
constexpr std::size_t kMaxChars = 38;
constexpr int kColumnGap = 120;  // room for the edges' curves
constexpr int kRowGap = 24;
constexpr int kMargin = 20;
constexpr int kTop = 60;  // below the legend
constexpr int kLegendItem = 130;
constexpr int kMinBend = 60;
constexpr std::string_view kSep = " \u00B7 ";
constexpr std::string_view kEllipsis = "\u2026";
constexpr std::string_view kReplacement = "\uFFFD";

struct StateStyle {
  std::string_view state;
  std::string_view fill;
  std::string_view stroke;
  bool dashed = false;
};
constexpr StateStyle kStates[] = {
    {"fresh", "#d4f4d4", "#3a8a3a"},
    {"stale", "#ffd98a", "#b07800"},
    {"input-missing", "#f8c8c8", "#b03030"},
    {"missing", "#e4e4e4", "#888888", true},
};
constexpr StateStyle kUnknownState = {"unknown", "#ffffff", "#888888"};

const StateStyle& style_of(std::string_view state) {
  for (const StateStyle& s : kStates) {
    if (s.state == state) return s;
  }
  return kUnknownState;
}

// Length of the UTF-8 sequence at s[i] (its code point in `cp`), or 0 when invalid:
// overlong, surrogate, beyond U+10FFFF or cut short.
std::size_t utf8_sequence(std::string_view s, std::size_t i, char32_t& cp) {
  const auto lead = static_cast<unsigned char>(s[i]);
  const std::size_t n = lead < 0x80           ? 1
                        : (lead >> 5) == 0x6  ? 2
                        : (lead >> 4) == 0xE  ? 3
                        : (lead >> 3) == 0x1E ? 4
                                              : 0;
  if (n == 0 || i + n > s.size()) return 0;
  cp = n == 1 ? lead : lead & (0x7F >> n);
  for (std::size_t k = 1; k < n; ++k) {
    const auto c = static_cast<unsigned char>(s[i + k]);
    if ((c & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (c & 0x3F);
  }
  static constexpr char32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kSmallest[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

// Keys are arbitrary bytes, and one invalid byte or control character makes a whole SVG
// unreadable: such characters become U+FFFD.
std::string clean_text(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    char32_t cp = 0;
    const std::size_t n = utf8_sequence(s, i, cp);
    const bool xml_allows = cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
                            (cp >= 0xE000 && cp <= 0xFFFD) || cp >= 0x10000;
    if (n != 0 && xml_allows) {
      out.append(s.substr(i, n));
    } else {
      out.append(kReplacement);
    }
    i += std::max<std::size_t>(n, 1);
  }
  return out;
}

std::string xml_escape(std::string_view raw) {
  std::string out;
  for (const char c : clean_text(raw)) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

// The inside of a DOT quoted string: Graphviz wants valid UTF-8, reads "\n" as a line
// break in labels, and decodes entities such as "&lt;" in labels (not in node names).
std::string dot_escape(std::string_view raw, bool label = false) {
  std::string out;
  for (const char c : clean_text(raw)) {
    switch (c) {
      case '&': out += label ? "&amp;" : "&"; break;
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': break;
      default: out += c;
    }
  }
  return out;
}

// At most `max_chars` characters of valid UTF-8 text, the last one "…" when cut.
std::string truncate(const std::string& clean, std::size_t max_chars) {
  std::size_t chars = 0;
  std::size_t cut = clean.size();
  for (std::size_t i = 0; i < clean.size(); ++i) {
    if ((static_cast<unsigned char>(clean[i]) & 0xC0) == 0x80) continue;
    if (chars == max_chars - 1) cut = i;
    if (++chars > max_chars) return clean.substr(0, cut) + std::string(kEllipsis);
  }
  return clean;
}

std::string human_bytes(std::uint64_t bytes) {
  static constexpr std::string_view kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (bytes < 1024) return fmt::format("{} B", bytes);
  double value = static_cast<double>(bytes) / 1024;
  std::size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(kUnits)) {
    value /= 1024;
    ++unit;
  }
  return fmt::format("{:.1f} {}", value, kUnits[unit]);
}

std::string human_seconds(double s) {
  if (s < 60) return fmt::format("{:.1f} s", s);
  if (!(s < 1e12)) return fmt::format("{:.3g} s", s);  // no overflow in the cast below
  const auto total = static_cast<std::uint64_t>(s + 0.5);
  if (total < 3600) return fmt::format("{}m {}s", total / 60, total % 60);
  return fmt::format("{}h {}m", total / 3600, total % 3600 / 60);
}

bool compute_known(double s) { return s >= 0; }  // false for NaN too

// The text of a box, untruncated: key; backend, size, age; compute, user, version; state.
std::vector<std::string> node_lines(const LineageNode& n) {
  std::vector<std::string> lines{n.key.empty() ? n.id : n.key};
  std::vector<std::string> parts;
  if (!n.backend.empty()) parts.push_back(n.backend);
  if (n.state != "missing") parts.push_back(human_bytes(n.bytes));  // unknown when gone
  if (!n.age.empty()) parts.push_back(n.age);
  if (!parts.empty()) lines.push_back(fmt::format("{}", fmt::join(parts, kSep)));
  parts.clear();
  if (compute_known(n.compute_seconds)) {
    parts.push_back("compute " + human_seconds(n.compute_seconds));
  }
  if (!n.user.empty()) parts.push_back(n.user);
  if (!n.version.empty()) parts.push_back("v" + n.version);
  if (!parts.empty()) lines.push_back(fmt::format("{}", fmt::join(parts, kSep)));
  std::string state = n.state.empty() ? "unknown" : n.state;
  if (n.state == "stale" && !n.reasons.empty()) state += ": " + n.reasons.front();
  lines.push_back(std::move(state));
  return lines;
}

std::string tooltip(const LineageNode& n) {
  std::string text = fmt::format("{}\n{}", n.key, n.id);
  for (const std::string& reason : n.reasons) text += "\n- " + reason;
  return text;
}

struct Box {
  int x = 0;
  int y = 0;
  int height = 0;
  std::vector<std::string> lines;  // cleaned and truncated, not yet escaped
};

struct Layout {
  std::vector<std::size_t> order;  // node indices, by (depth, name, key)
  std::vector<Box> boxes;          // by node index
  std::unordered_map<std::string, std::size_t> index_of;  // id -> node index
  int width = 0;
  int height = 0;
};

// One column per depth, upstream on the left; each column centred vertically.
Layout lay_out(const LineageGraph& g) {
  Layout l;
  l.order.resize(g.nodes.size());
  std::iota(l.order.begin(), l.order.end(), std::size_t{0});
  std::stable_sort(l.order.begin(), l.order.end(), [&](std::size_t a, std::size_t b) {
    const LineageNode& x = g.nodes[a];
    const LineageNode& y = g.nodes[b];
    return std::tie(x.depth, x.name, x.key, x.id) < std::tie(y.depth, y.name, y.key, y.id);
  });
  l.boxes.resize(g.nodes.size());
  std::vector<std::vector<std::size_t>> columns;
  std::vector<int> column_heights;
  for (const std::size_t i : l.order) {
    l.index_of.try_emplace(g.nodes[i].id, i);
    if (columns.empty() || g.nodes[columns.back().front()].depth != g.nodes[i].depth) {
      columns.emplace_back();
      column_heights.push_back(-kRowGap);
    }
    Box& box = l.boxes[i];
    for (const std::string& line : node_lines(g.nodes[i])) {
      box.lines.push_back(truncate(clean_text(line), kMaxChars));
    }
    box.height = 2 * kPad + static_cast<int>(box.lines.size()) * kLineHeight;
    columns.back().push_back(i);
    column_heights.back() += box.height + kRowGap;
  }
  const int tallest = column_heights.empty()
                          ? 0
                          : *std::max_element(column_heights.begin(), column_heights.end());
  for (std::size_t c = 0; c < columns.size(); ++c) {
    int y = kTop + (tallest - column_heights[c]) / 2;
    for (const std::size_t i : columns[c]) {
      l.boxes[i].x = kMargin + static_cast<int>(c) * (kBoxWidth + kColumnGap);
      l.boxes[i].y = y;
      y += l.boxes[i].height + kRowGap;
    }
  }
  const int columns_width = static_cast<int>(columns.size()) * (kBoxWidth + kColumnGap);
  const int legend_width = static_cast<int>(std::size(kStates)) * kLegendItem;
  l.width = 2 * kMargin + std::max(columns_width - kColumnGap, legend_width);
  l.height = kTop + tallest + kMargin;
  return l;
}

std::string svg_legend() {
  std::string out = "<g class=\"legend\">\n";
  int x = kMargin;
  for (const StateStyle& s : kStates) {
    out += fmt::format(
        "<rect x=\"{}\" y=\"{}\" width=\"14\" height=\"14\" rx=\"3\" fill=\"{}\" stroke=\"{}\"{}/>"
        "<text x=\"{}\" y=\"{}\">{}</text>\n",
        x, kMargin, s.fill, s.stroke, s.dashed ? " stroke-dasharray=\"3 2\"" : "", x + 20,
        kMargin + 12, s.state);
    x += kLegendItem;
  }
  return out + "</g>\n";
}

// A cubic Bézier from the middle of the input's right side to the reader's left side.
std::string svg_edge(const LineageEdge& e, const Box& from, const Box& to) {
  const int sx = from.x + kBoxWidth;
  const int sy = from.y + from.height / 2;
  const int tx = to.x;
  const int ty = to.y + to.height / 2;
  const int bend = std::max(kMinBend, std::abs(tx - sx) / 2);
  return fmt::format(
      "<path class=\"edge\" data-from=\"{}\" data-to=\"{}\" d=\"M{},{} C{},{} {},{} {},{}\" "
      "fill=\"none\" stroke=\"#666666\" stroke-width=\"1.5\" marker-end=\"url(#arrow)\"/>\n",
      xml_escape(e.from), xml_escape(e.to), sx, sy, sx + bend, sy, tx - bend, ty, tx, ty);
}

// data-index is the node's position in the HTML's data block (ids may be cleaned here).
std::string svg_node(const LineageNode& n, std::size_t index, const Box& b) {
  const StateStyle& s = style_of(n.state);
  std::string out = fmt::format(
      "<g class=\"node\" data-id=\"{}\" data-state=\"{}\" data-index=\"{}\">"
      "<title>{}</title>"
      "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"6\" fill=\"{}\" stroke=\"{}\" "
      "stroke-width=\"{}\"{}/>",
      xml_escape(n.id), xml_escape(n.state), index, xml_escape(tooltip(n)), b.x, b.y,
      kBoxWidth, b.height, s.fill, s.stroke, n.depth == 0 ? "3" : "1.2",
      s.dashed ? " stroke-dasharray=\"6 4\"" : "");
  for (std::size_t i = 0; i < b.lines.size(); ++i) {
    const int baseline = b.y + kPad + static_cast<int>(i + 1) * kLineHeight - 4;
    out += fmt::format("<text x=\"{}\" y=\"{}\"{}>{}</text>", b.x + kPad, baseline,
                       i == 0 ? " font-weight=\"bold\"" : "", xml_escape(b.lines[i]));
  }
  return out + "</g>\n";
}

// The <svg> element alone (the HTML page inlines it).
std::string svg_element(const LineageGraph& g) {
  const Layout l = lay_out(g);
  std::string out = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" "
      "viewBox=\"0 0 {0} {1}\" font-family=\"monospace\" font-size=\"12\">\n"
      "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" "
      "markerWidth=\"8\" markerHeight=\"8\" orient=\"auto\">"
      "<path d=\"M0,0 L10,5 L0,10 z\" fill=\"#666666\"/></marker></defs>\n"
      "<rect class=\"background\" width=\"{0}\" height=\"{1}\" fill=\"#ffffff\"/>\n",
      l.width, l.height);
  out += svg_legend();
  for (const LineageEdge& e : g.edges) {
    const auto from = l.index_of.find(e.from);
    const auto to = l.index_of.find(e.to);
    if (from == l.index_of.end() || to == l.index_of.end()) continue;
    out += svg_edge(e, l.boxes[from->second], l.boxes[to->second]);
  }
  for (const std::size_t i : l.order) out += svg_node(g.nodes[i], i, l.boxes[i]);
  return out + "</svg>\n";
}

Json node_json(const LineageNode& n) {
  return {{"id", n.id},
          {"name", n.name},
          {"namespace", n.ns},
          {"key", n.key},
          {"backend", n.backend},
          {"location", n.location},
          {"state", n.state},
          {"reasons", n.reasons},
          {"bytes", n.bytes},
          {"created", n.created},
          {"age", n.age},
          {"compute_seconds",
           compute_known(n.compute_seconds) ? Json(n.compute_seconds) : Json(nullptr)},
          {"user", n.user},
          {"version", n.version},
          {"entry_id", n.entry_id},
          {"depth", n.depth},
          {"manifest", n.manifest}};
}

Json graph_json(const LineageGraph& g) {
  Json nodes = Json::array();
  for (const LineageNode& n : g.nodes) nodes.push_back(node_json(n));
  Json edges = Json::array();
  for (const LineageEdge& e : g.edges) edges.push_back({{"from", e.from}, {"to", e.to}});
  return {{"nodes", std::move(nodes)}, {"edges", std::move(edges)}};
}

// Invalid UTF-8 in a key must not make the whole output fail: replaced with U+FFFD.
std::string json_dump(const Json& j, int indent) {
  return j.dump(indent, ' ', false, Json::error_handler_t::replace);
}

// JSON inside <script>: "</" and "<!--" would end or confuse the script element. Both
// replacements are JSON escapes, so the text still parses as it is.
std::string script_safe(std::string_view json) {
  std::string out;
  out.reserve(json.size());
  for (std::size_t i = 0; i < json.size(); ++i) {
    if (json.substr(i, 2) == "</") {
      out += "<\\/";
      ++i;
    } else if (json.substr(i, 4) == "<!--") {
      out += "\\u003c";
    } else {
      out += json[i];
    }
  }
  return out;
}

std::string focus_key(const LineageGraph& g) {
  const auto it =
      std::find_if(g.nodes.begin(), g.nodes.end(), [](auto& n) { return n.depth == 0; });
  return it == g.nodes.end() ? "" : it->key;
}

constexpr std::string_view kHtmlStyle = R"css(<style>
html, body { margin: 0; height: 100%; font: 14px system-ui, sans-serif; }
body { display: flex; flex-direction: column; }
#toolbar { display: flex; gap: 6px; padding: 6px; border-bottom: 1px solid #ccc; }
#toolbar .hint { color: #666; margin-left: 1em; }
#main { flex: 1; display: flex; min-height: 0; }
#stage { flex: 1; overflow: hidden; }
#stage svg { width: 100%; height: 100%; display: block; cursor: grab; user-select: none; }
#stage svg.dragging { cursor: grabbing; }
#panel { width: 26rem; overflow: auto; border-left: 1px solid #ccc; padding: 8px 12px; }
#panel h2 { font-size: 14px; word-break: break-all; }
#panel pre { white-space: pre-wrap; word-break: break-all; font: 12px monospace; }
g.node { cursor: pointer; }
g.node.selected rect { stroke: #1a5fd0; stroke-width: 4; }
</style>
)css";

// Pan and zoom move the viewBox; the data block gives each node's manifest and reasons.
constexpr std::string_view kHtmlScript = R"js(<script>
(function () {
  'use strict';
  const data = JSON.parse(document.getElementById('lineage-data').textContent);
  const svg = document.querySelector('#stage svg');
  const byId = (id) => document.getElementById(id);
  const box = svg.viewBox.baseVal;
  const home = { x: box.x, y: box.y, w: box.width, h: box.height };
  let view = Object.assign({}, home);
  const apply = () => svg.setAttribute('viewBox', `${view.x} ${view.y} ${view.w} ${view.h}`);
  const centre = () => ({ x: view.x + view.w / 2, y: view.y + view.h / 2 });
  function toSvg(clientX, clientY) {  // client pixels -> viewBox units
    const m = svg.getScreenCTM();
    return m ? new DOMPoint(clientX, clientY).matrixTransform(m.inverse()) : centre();
  }
  function zoom(factor, at) {  // keeps `at` where it is on screen
    const k = Math.min(Math.max(view.w * factor, home.w / 40), home.w * 8) / view.w;
    view = { x: at.x - (at.x - view.x) * k, y: at.y - (at.y - view.y) * k,
             w: view.w * k, h: view.h * k };
    apply();
  }
  svg.addEventListener('wheel', (e) => {
    e.preventDefault();
    const dy = e.deltaMode === 1 ? e.deltaY * 33 : e.deltaY;  // lines -> pixels
    zoom(Math.exp(dy * 0.0015), toSvg(e.clientX, e.clientY));
  }, { passive: false });
  byId('zoom-in').addEventListener('click', () => zoom(0.8, centre()));
  byId('zoom-out').addEventListener('click', () => zoom(1.25, centre()));
  byId('fit').addEventListener('click', () => { view = Object.assign({}, home); apply(); });
  let drag = null;
  let moved = false;  // a drag ending on a node is not a click
  svg.addEventListener('mousedown', (e) => {
    if (e.button !== 0) return;
    const m = svg.getScreenCTM();
    drag = { cx: e.clientX, cy: e.clientY, x: view.x, y: view.y, s: m ? m.a : 1 };
    moved = false;
    svg.classList.add('dragging');
    e.preventDefault();
  });
  window.addEventListener('mousemove', (e) => {
    if (!drag) return;
    const dx = e.clientX - drag.cx;
    const dy = e.clientY - drag.cy;
    moved = moved || Math.abs(dx) + Math.abs(dy) > 3;
    [view.x, view.y] = [drag.x - dx / drag.s, drag.y - dy / drag.s];
    apply();
  });
  window.addEventListener('mouseup', () => { drag = null; svg.classList.remove('dragging'); });
  function show(node, g) {
    svg.querySelectorAll('g.node.selected').forEach((el) => el.classList.remove('selected'));
    g.classList.add('selected');
    byId('panel-title').textContent = node.key || node.id;
    const why = node.reasons.length ? ':\n- ' + node.reasons.join('\n- ') : '';
    byId('panel-reasons').textContent = `${node.state}${why}\n${node.id}`;
    byId('panel-json').textContent = JSON.stringify(node.manifest, null, 2);
  }
  let bound = 0;
  svg.querySelectorAll('g.node').forEach((g) => {
    const node = data.nodes[Number(g.getAttribute('data-index'))];
    if (!node) return;
    g.addEventListener('click', () => { if (!moved) show(node, g); });
    bound += 1;
  });
  document.body.dataset.nodes = String(bound);
  document.body.dataset.ready = '1';
})();
</script>
)js";

}  // namespace

std::string render_lineage_json(const LineageGraph& g) {
  return json_dump(graph_json(g), 2) + "\n";
}

std::string render_lineage_dot(const LineageGraph& g) {
  std::string out =
      "digraph lineage {\n  rankdir=LR;\n"
      "  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\"];\n"
      "  edge [color=\"#666666\"];\n";
  for (const LineageNode& n : g.nodes) {
    const StateStyle& s = style_of(n.state);
    const std::string label = fmt::format("{}", fmt::join(node_lines(n), "\n"));
    out += fmt::format("  \"{}\" [label=\"{}\", fillcolor=\"{}\", color=\"{}\", penwidth={}{}];\n",
                       dot_escape(n.id), dot_escape(label, true), s.fill, s.stroke,
                       n.depth == 0 ? "3" : "1",
                       s.dashed ? ", style=\"rounded,filled,dashed\"" : "");
  }
  for (const LineageEdge& e : g.edges) {
    out += fmt::format("  \"{}\" -> \"{}\";\n", dot_escape(e.from), dot_escape(e.to));
  }
  return out + "}\n";
}

std::string render_lineage_svg(const LineageGraph& g) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + svg_element(g);
}

std::string render_lineage_html(const LineageGraph& g) {
  std::string out = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<title>nuthatch lineage: {}</title>\n",
      xml_escape(focus_key(g)));
  out += kHtmlStyle;
  out +=
      "</head>\n<body>\n<div id=\"toolbar\">"
      "<button id=\"zoom-in\" title=\"Zoom in\">+</button>"
      "<button id=\"zoom-out\" title=\"Zoom out\">\u2212</button>"
      "<button id=\"fit\" title=\"Fit the whole graph\">fit</button>"
      "<span class=\"hint\">drag to pan, wheel to zoom, click a node for its manifest</span>"
      "</div>\n<div id=\"main\">\n<div id=\"stage\">\n";
  out += svg_element(g);
  out +=
      "</div>\n<aside id=\"panel\"><h2 id=\"panel-title\">Click a node</h2>"
      "<pre id=\"panel-reasons\"></pre><pre id=\"panel-json\"></pre></aside>\n</div>\n";
  out += "<script type=\"application/json\" id=\"lineage-data\">" +
         script_safe(json_dump(graph_json(g), -1)) + "</script>\n";
  out += kHtmlScript;
  return out + "</body>\n</html>\n";
}

}  // namespace nuthatch::cli
