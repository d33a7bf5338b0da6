#include "config/toml_file.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "nuthatch/error.hpp"

namespace nuthatch::config {
namespace {

Value to_value(const toml::node& node);

template <class T>
std::string to_text(const toml::value<T>* value) {
  std::ostringstream out;
  out << *value;
  return out.str();
}

// toml++ keeps a table's keys sorted; Value objects keep the order they were written in
// (as Python's tomllib does), so members are put back in document order.
Value table_value(const toml::table& table) {
  std::vector<std::pair<const toml::key*, const toml::node*>> entries;
  for (auto&& [key, node] : table) entries.emplace_back(&key, &node);
  std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    const toml::source_position& x = a.first->source().begin;
    const toml::source_position& y = b.first->source().begin;
    return std::pair(x.line, x.column) < std::pair(y.line, y.column);
  });
  Value::Members members;
  for (const auto& [key, node] : entries) {
    members.emplace_back(std::string(key->str()), to_value(*node));
  }
  return Value(std::move(members));
}

Value to_value(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string: return Value(node.as_string()->get());
    case toml::node_type::integer: return Value(node.as_integer()->get());
    case toml::node_type::floating_point: return Value(node.as_floating_point()->get());
    case toml::node_type::boolean: return Value(node.as_boolean()->get());
    case toml::node_type::date: return Value(to_text(node.as_date()));
    case toml::node_type::time: return Value(to_text(node.as_time()));
    case toml::node_type::date_time: return Value(to_text(node.as_date_time()));
    case toml::node_type::array: {
      Value::Array items;
      for (const toml::node& item : *node.as_array()) items.push_back(to_value(item));
      return Value(std::move(items));
    }
    case toml::node_type::table: return table_value(*node.as_table());
    case toml::node_type::none: break;
  }
  return Value();
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw ConfigError(fmt::format("cannot read configuration file {}: {}", path.string(),
                                  std::strerror(errno)));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

class Reader {
 public:
  explicit Reader(const std::filesystem::path& path) : path_(path.string()) {}

  // `skip_tool`: the file's top level is the nuthatch table, and a [tool] table there
  // belongs to other programs.
  ParamTable read(const toml::table& table, bool skip_tool) && {
    // Top-level keys first, then location tables, so [root] beats a top-level key.
    for (auto&& [key, node] : table) {
      const std::string name(key.str());
      if (is_location_name(name) || (skip_tool && name == "tool")) continue;
      read_entry(std::string(kRootLocation), name, node);
    }
    for (auto&& [key, node] : table) {
      const std::string location(key.str());
      if (!is_location_name(location)) continue;
      const toml::table* parameters = node.as_table();
      if (parameters == nullptr) {
        throw ConfigError(fmt::format("'{}' in {} must be a table (the parameters of location {})",
                                      location, path_, location));
      }
      if (location == kMirrorsTable && is_mirror_table(*parameters)) {
        for (auto&& [name, mirror] : *parameters) {
          read_location(mirror_location(name.str()), *mirror.as_table());
        }
        continue;
      }
      read_location(location, *parameters);
    }
    return std::move(params_);
  }

 private:
  // The next Nuthatch release's format names its mirrors in one table,
  // [mirrors.<name>] (each a location table); they are the locations mirror-<name>.
  // A 0.4 location named "mirrors" holds parameters, which are not all tables.
  static constexpr std::string_view kMirrorsTable = "mirrors";

  static bool is_mirror_table(const toml::table& table) {
    return !table.empty() && std::all_of(table.begin(), table.end(), [](const auto& member) {
      return member.second.is_table();
    });
  }

  std::string mirror_location(std::string_view name) const {
    const bool plain = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_';
    });
    if (!plain) {
      throw ConfigError(fmt::format("mirror name '{}' in {} ([mirrors.<name>]): use letters, digits, "
                                    "'-' and '_'", name, path_));
    }
    std::string location(kMirrorPrefix);
    location += name;
    return location;
  }

  void read_location(const std::string& location, const toml::table& parameters) {
    for (auto&& [name, value] : parameters) read_entry(location, std::string(name.str()), value);
  }

  // A parameter of `location`, or a per-backend override table.
  void read_entry(const std::string& location, const std::string& name, const toml::node& node) {
    const toml::table* overrides = node.as_table();
    if (overrides == nullptr || is_table_parameter(name)) {
      params_[Scope{location, ""}][name] = to_value(node);
      return;
    }
    auto& backend_params = params_[Scope{location, name}];
    for (auto&& [key, value] : *overrides) backend_params[std::string(key.str())] = to_value(value);
  }

  std::string path_;
  ParamTable params_;
};

const toml::table* sub_table(const toml::table& table, std::string_view dotted,
                             const std::string& path) {
  const toml::node* node = table.at_path(dotted).node();
  if (node == nullptr) return nullptr;
  if (const toml::table* found = node->as_table()) return found;
  throw ConfigError(fmt::format("'{}' in {} must be a table", dotted, path));
}

}  // namespace

ParamTable read_config_file(const std::filesystem::path& path, FileKind kind) {
  const std::string text = read_text(path);
  toml::table document;
  try {
    document = toml::parse(text, path.string());
  } catch (const toml::parse_error& e) {
    const toml::source_position& where = e.source().begin;
    throw ConfigError(fmt::format("malformed TOML in {} at line {}, column {}: {}", path.string(),
                                  where.line, where.column, e.description()));
  }
  const std::string name = path.string();
  const toml::table* nuthatch = kind == FileKind::pyproject
                                    ? nullptr
                                    : sub_table(document, "nuthatch", name);
  const toml::table* tool = kind == FileKind::nuthatch
                                ? nullptr
                                : sub_table(document, "tool.nuthatch", name);
  if (nuthatch != nullptr) return Reader(path).read(*nuthatch, false);
  if (tool != nullptr) return Reader(path).read(*tool, false);
  if (kind == FileKind::pyproject) return {};
  return Reader(path).read(document, true);
}

}  // namespace nuthatch::config
