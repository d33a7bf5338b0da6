#include "cli/output.hpp"
#include "common/json_value.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>

#include "common/time.hpp"

namespace nuthatch::cli {
namespace {
constexpr std::string_view kColumnGap = "  ";
constexpr int kJsonIndent = 2;

void print_row(std::FILE* out, const std::vector<std::string>& cells,
               const std::vector<std::size_t>& widths) {
  std::string line;
  for (std::size_t c = 0; c < cells.size(); ++c) {
    line += cells[c];
    if (c + 1 == cells.size()) break;  // no trailing padding
    line.append(widths[c] - cells[c].size(), ' ');
    line += kColumnGap;
  }
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), out);
}
}  // namespace

Table::Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}

void Table::add_row(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  rows_.push_back(std::move(cells));
}

void Table::print(std::FILE* out) const {
  std::vector<std::size_t> widths(headers_.size());
  for (std::size_t c = 0; c < headers_.size(); ++c) widths[c] = headers_[c].size();
  for (const auto& row : rows_) {
    for (std::size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], row[c].size());
  }
  print_row(out, headers_, widths);
  for (const auto& row : rows_) print_row(out, row, widths);
}

Json json_of(const Value& v) { return to_json_value(v); }

Json string_or_null(const std::string& s) {
  return s.empty() ? Json(nullptr) : Json(s);
}

Json manifest_json(const Manifest& m) {
  Json inputs = Json::array();
  for (const InputRef& in : m.inputs) {
    inputs.push_back({{"namespace", in.ns},
                      {"key", in.key},
                      {"backend", in.backend},
                      {"entry_id", in.entry_id},
                      {"location", in.location}});
  }
  Json components = Json::object();
  for (const auto& [name, hash] : m.code_components) components[name] = hash;
  Json out = {{"format", m.format},
              {"entry_id", m.entry_id},
              {"name", m.name},
              {"version", m.version},
              {"state", m.state},
              {"payload", string_or_null(m.payload)},
              {"inline", m.inline_data.has_value()},
              {"bytes", m.bytes},
              {"checksum", string_or_null(m.checksum)},
              {"args", json_of(m.args)},
              {"created", m.created},
              {"user", m.user},
              {"host", m.host},
              {"git_commit", m.git_commit ? Json(*m.git_commit) : Json(nullptr)},
              {"code", m.code},
              {"code_components", std::move(components)},
              {"compute_seconds", m.compute_seconds >= 0 ? Json(m.compute_seconds) : Json(nullptr)},
              {"inputs", std::move(inputs)},
              {"engine_version", m.engine_version}};
  if (m.code_history.size() > 0) out["code_history"] = json_of(m.code_history);
  return out;
}

std::string json_text(const Json& j) {
  // Invalid UTF-8 (keys are ASCII, but args may hold anything) is replaced, not fatal.
  return j.dump(kJsonIndent, ' ', false, Json::error_handler_t::replace) + "\n";
}

void print_json(const Json& j) {
  const std::string text = json_text(j);
  std::fwrite(text.data(), 1, text.size(), stdout);
}

std::string format_time(std::int64_t ns_since_epoch) {
  return ns_since_epoch == 0 ? std::string("-") : rfc3339_utc(ns_since_epoch);
}

bool stdin_is_terminal() { return isatty(STDIN_FILENO) == 1; }

}  // namespace nuthatch::cli
