#include "config/params.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "config/runtime_settings.hpp"
#include "nuthatch/error.hpp"
#include "nuthatch/options.hpp"

namespace nuthatch::config {
namespace {

// Checks a value of the right kind; returns an explanation when it is invalid.
using ValueCheck = std::string (*)(const Value&);

struct KnownParameter {
  std::string_view name;
  Value::Kind kind;
  ValueCheck check = nullptr;
  /// A byte size: an integer, or a text such as "2GB" (parse_byte_size).
  bool byte_size = false;
};

std::string check_cache_mode(const Value& value) {
  try {
    parse_cache_mode(value.as<std::string>());
    return {};
  } catch (const ConfigError& e) {
    return e.what();
  }
}

std::string check_on_stale(const Value& value) {
  try {
    parse_on_stale(value.as<std::string>());
    return {};
  } catch (const ConfigError& e) {
    return e.what();
  }
}

std::string check_log_level(const Value& value) {
  const std::string level = value.as<std::string>();
  if (log_level_named(level)) return {};
  return fmt::format("unknown log level '{}' (valid: {})", level, log_level_names());
}

std::string check_layout(const Value& value) {
  const std::string layout = value.as<std::string>();
  if (layout == "nuthatch" || layout == "nuthatch-0.4") return {};
  return fmt::format("unknown layout '{}' (valid: nuthatch, nuthatch-0.4)", layout);
}

std::string check_byte_size(const Value& value) {
  if (value.is_string() && !parse_byte_size(value.as<std::string>())) {
    return fmt::format("'{}' is not a size (e.g. 2GB, 512MiB, 1000000)", value.as<std::string>());
  }
  if (value.kind() == Value::Kind::integer && value.as<std::int64_t>() < 0) {
    return "a byte count cannot be negative";
  }
  return {};
}

std::string check_byte_count(const Value& value) {
  if (value.as<std::int64_t>() >= 0) return {};
  return "a byte count cannot be negative";
}

constexpr std::array<KnownParameter, 16> kKnownParameters = {{
    {"filesystem", Value::Kind::string},
    {"filesystem_options", Value::Kind::object},
    {"storage_backend_kwargs", Value::Kind::object},
    {"backend_kwargs", Value::Kind::object},
    {"memoize_max_bytes", Value::Kind::integer, check_byte_count},
    {"cache_mode", Value::Kind::string, check_cache_mode},
    {"log_level", Value::Kind::string, check_log_level},
    {"buffer_pool_bytes", Value::Kind::integer, check_byte_count},
    {"buffer_pool_idle_ms", Value::Kind::integer, check_byte_count},
    {"trust_pickle", Value::Kind::boolean},
    {"layout", Value::Kind::string, check_layout},
    {"local_cache_size", Value::Kind::string, check_byte_size, true},
    {"remote_cache_size", Value::Kind::string, check_byte_size, true},
    // The size above which the Python package recalls a dataset dask-backed (README).
    {"dask_above", Value::Kind::string, check_byte_size, true},
    // What a hit on a stale entry does, and whether package versions can make it stale.
    {"on_stale", Value::Kind::string, check_on_stale},
    {"stale_on_packages", Value::Kind::boolean},
}};

const KnownParameter* find_known(std::string_view name) {
  for (const auto& known : kKnownParameters) {
    if (known.name == name) return &known;
  }
  return nullptr;
}

std::string_view kind_phrase(Value::Kind kind) {
  switch (kind) {
    case Value::Kind::null: return "null";
    case Value::Kind::boolean: return "a boolean";
    case Value::Kind::integer: return "an integer";
    case Value::Kind::floating: return "a number";
    case Value::Kind::string: return "a string";
    case Value::Kind::bytes: return "bytes";
    case Value::Kind::array: return "an array";
    case Value::Kind::object: return "a table";
  }
  return "a value";
}

}  // namespace

std::optional<std::uint64_t> parse_byte_size(std::string_view text) {
  auto trimmed = [](std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
  };
  text = trimmed(text);
  std::size_t digits = 0;
  bool point = false;
  while (digits < text.size() &&
         (std::isdigit(static_cast<unsigned char>(text[digits])) || (!point && text[digits] == '.'))) {
    point |= text[digits] == '.';
    ++digits;
  }
  const std::string number(text.substr(0, digits));
  if (number.empty() || number == ".") return std::nullopt;
  std::string unit(trimmed(text.substr(digits)));
  for (char& c : unit) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  // Decimal units as humanfriendly.parse_size (which the original Nuthatch uses): KB is
  // 1000 bytes; the binary ones (KiB) 1024.
  static constexpr std::array<std::pair<std::string_view, double>, 16> kUnits = {{
      {"", 1}, {"b", 1}, {"k", 1e3}, {"kb", 1e3}, {"m", 1e6}, {"mb", 1e6}, {"g", 1e9},
      {"gb", 1e9}, {"t", 1e12}, {"tb", 1e12}, {"p", 1e15}, {"pb", 1e15},
      {"kib", 1024.0}, {"mib", 1048576.0}, {"gib", 1073741824.0}, {"tib", 1099511627776.0},
  }};
  for (const auto& [name, factor] : kUnits) {
    if (unit != name) continue;
    const double bytes = std::stod(number) * factor;
    if (!(bytes < 1.8e19)) return std::nullopt;
    return static_cast<std::uint64_t>(bytes);
  }
  return std::nullopt;
}

bool is_mirror_name(std::string_view name) {
  // As the original Nuthatch: any name that starts with "mirror" ("mirror", "mirror2",
  // "mirror-public"), made of the characters a TOML bare key and a path segment share.
  if (!name.starts_with(kMirrorStem) || name.ends_with('-') || name.ends_with('_')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
  });
}

bool is_location_name(std::string_view name) {
  return name == kRootLocation || name == kLocalLocation || is_mirror_name(name);
}

void check_location_name(const std::string& name) {
  if (is_location_name(name)) return;
  throw ConfigError(
      fmt::format("unknown location '{}' (valid: root, local, mirror, mirror<name>)", name));
}

std::string describe(const Scope& scope) {
  if (scope.backend.empty()) return fmt::format("location {}", scope.location);
  return fmt::format("location {}, backend {}", scope.location, scope.backend);
}

std::vector<std::string_view> known_parameter_names() {
  std::vector<std::string_view> names;
  for (const auto& known : kKnownParameters) names.push_back(known.name);
  std::stable_sort(names.begin(), names.end(),
                   [](std::string_view a, std::string_view b) { return a.size() > b.size(); });
  return names;
}

bool is_known_parameter(std::string_view name) { return find_known(name) != nullptr; }

bool is_table_parameter(std::string_view name) {
  const KnownParameter* known = find_known(name);
  return known != nullptr && known->kind == Value::Kind::object;
}

bool is_string_parameter(std::string_view name) {
  const KnownParameter* known = find_known(name);
  return known != nullptr && known->kind == Value::Kind::string;
}

void check_parameter(const std::string& name, const Value& value, const Scope& scope,
                     std::string_view source) {
  const KnownParameter* known = find_known(name);
  if (known == nullptr) return;
  const bool size_ok =
      known->byte_size && (value.is_string() || value.kind() == Value::Kind::integer);
  if (value.kind() != known->kind && !size_ok) {
    throw ConfigError(fmt::format("parameter '{}' ({}) from {} must be {}, not {}", name,
                                  describe(scope), source, kind_phrase(known->kind),
                                  kind_phrase(value.kind())));
  }
  if (known->check == nullptr) return;
  if (std::string problem = known->check(value); !problem.empty()) {
    throw ConfigError(
        fmt::format("parameter '{}' ({}) from {}: {}", name, describe(scope), source, problem));
  }
}

}  // namespace nuthatch::config
