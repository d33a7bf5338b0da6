#pragma once
// Human tables and JSON output shared by the commands.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "meta/manifest.hpp"
#include "nuthatch/value.hpp"

namespace nuthatch::cli {

/// JSON output keeps the order fields are written in.
using Json = nlohmann::ordered_json;

/// A plain-text table with left-aligned columns separated by two spaces.
class Table {
 public:
  explicit Table(std::vector<std::string> headers);
  void add_row(std::vector<std::string> cells);
  bool empty() const { return rows_.empty(); }
  void print(std::FILE* out = stdout) const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

/// A Value as JSON (bytes as {"$bytes": "<base64>"}).
Json json_of(const Value& v);
/// A string, or null when it is empty.
Json string_or_null(const std::string& s);
/// The descriptive fields of a manifest (never the inlined payload).
Json manifest_json(const Manifest& m);
/// Pretty-printed JSON text, with a final newline.
std::string json_text(const Json& j);
/// json_text() on stdout.
void print_json(const Json& j);

/// RFC 3339 UTC text of a time, or "-" when unknown (0).
std::string format_time(std::int64_t ns_since_epoch);

bool stdin_is_terminal();

}  // namespace nuthatch::cli
