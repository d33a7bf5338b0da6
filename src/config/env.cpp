#include "config/env.hpp"

#include <algorithm>
#include <cstdlib>
#include <string_view>

#include "common/json.hpp"
#include "common/strings.hpp"

extern char** environ;

namespace nuthatch::config {
namespace {

constexpr std::string_view kEnvPrefix = "NUTHATCH_";
// Location prefixes of lower-cased variable names, after NUTHATCH_.
constexpr std::string_view kRootToken = "root_";
constexpr std::string_view kLocalToken = "local_";
constexpr std::string_view kMirrorToken = "mirror_";
// The next Nuthatch release's NUTHATCH_MIRRORS_<NAME>_... (mirror-<name>).
constexpr std::string_view kMirrorsToken = "mirrors_";
// NUTHATCH_..._FILESYSTEM_OPTIONS_<KEY> sets one key of filesystem_options.
constexpr std::string_view kOptionsParameter = "filesystem_options";

// The rest of `s` after `prefix`, when s starts with it and has more.
std::optional<std::string> after(const std::string& s, std::string_view prefix) {
  if (s.size() <= prefix.size() || !s.starts_with(prefix)) return std::nullopt;
  return s.substr(prefix.size());
}

// "mirror-public" -> "MIRROR_PUBLIC".
std::string env_token(std::string_view name) {
  std::string token = to_upper(name);
  std::replace(token.begin(), token.end(), '-', '_');
  return token;
}

std::vector<std::string> variable_names(const Scope& scope, const std::string& name) {
  std::vector<std::string> locations = {std::string(kEnvPrefix) + env_token(scope.location) + "_"};
  if (scope.location.starts_with(kMirrorPrefix)) {  // mirror-x: NUTHATCH_MIRRORS_X_ too
    locations.push_back(std::string(kEnvPrefix) + "MIRRORS_" +
                        env_token(std::string_view(scope.location).substr(kMirrorPrefix.size())) + "_");
  }
  std::vector<std::string> names;
  for (const std::string& location : locations) {
    if (!scope.backend.empty()) {
      names.push_back(location + env_token(scope.backend) + "_" + env_token(name));
    } else {
      names.push_back(location + env_token(name));
    }
  }
  if (scope.location == kRootLocation && scope.backend.empty()) {
    names.push_back(std::string(kEnvPrefix) + env_token(name));
  }
  return names;
}

// "<head>filesystem_options_<key>" -> "<head>filesystem_options": the parameter that a
// variable setting one key of the options belongs to.
std::string without_option_key(const std::string& rest) {
  const std::string marker = std::string(kOptionsParameter) + "_";
  const auto pos = rest.find(marker);
  if (pos == std::string::npos || (pos > 0 && rest[pos - 1] != '_')) return rest;
  return rest.substr(0, pos + kOptionsParameter.size());
}

// JSON only for what cannot be a plain word: objects, arrays, numbers, booleans. Paths,
// URLs and mode names stay text, and so does a JSON string literal (quotes and all).
Value parse_env_value(const std::string& name, const std::string& text) {
  if (is_string_parameter(name) || text.empty()) return Value(text);
  const char first = text.front();
  const bool may_be_json = first == '{' || first == '[' || first == '-' || first == 't' ||
                           first == 'f' || (first >= '0' && first <= '9');
  if (!may_be_json) return Value(text);
  try {
    Value parsed = from_json(text, "environment variable");
    if (parsed.is_object() || parsed.is_array() || parsed.is_number() || parsed.is_bool()) {
      return parsed;
    }
  } catch (const Error&) {
    // Not JSON: the text itself.
  }
  return Value(text);
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// "<param>" or "<backend>_<param>" after NUTHATCH_ROOT_ / NUTHATCH_LOCAL_.
EnvParameter split_location_rest(std::string location, const std::string& rest) {
  if (!is_known_parameter(rest)) {
    if (const auto pos = rest.find('_'); pos != std::string::npos && pos > 0) {
      std::string param = rest.substr(pos + 1);
      if (is_known_parameter(param)) {
        return {{std::move(location), rest.substr(0, pos)}, std::move(param)};
      }
    }
  }
  return {{std::move(location), ""}, rest};
}

// "<mirror>_<param>" or "<mirror>_<backend>_<param>" after NUTHATCH_MIRROR_ (lower-cased).
std::optional<EnvParameter> split_mirror_rest(const std::string& rest,
                                              const std::set<std::string>& mirrors) {
  for (std::string_view param : known_parameter_names()) {
    std::string suffix(1, '_');
    suffix += param;
    if (!ends_with(rest, suffix) || rest.size() == suffix.size()) continue;
    const std::string head = rest.substr(0, rest.size() - suffix.size());
    auto known_mirror = [&](std::string_view token) -> const std::string* {
      for (const std::string& mirror : mirrors) {
        if (to_lower(env_token(mirror)) == std::string(kMirrorToken) + std::string(token)) {
          return &mirror;
        }
      }
      return nullptr;
    };
    if (const std::string* mirror = known_mirror(head)) {
      return EnvParameter{{*mirror, ""}, std::string(param)};
    }
    if (const auto pos = head.rfind('_'); pos != std::string::npos && pos > 0) {
      if (const std::string* mirror = known_mirror(head.substr(0, pos))) {
        return EnvParameter{{*mirror, head.substr(pos + 1)}, std::string(param)};
      }
    }
    std::string name = std::string(kMirrorPrefix) + head;
    std::replace(name.begin(), name.end(), '_', '-');
    return EnvParameter{{std::move(name), ""}, std::string(param)};
  }
  return std::nullopt;
}

}  // namespace

std::optional<EnvValue> env_parameter(const Scope& scope, const std::string& name) {
  for (std::string& variable : variable_names(scope, name)) {
    if (const char* text = std::getenv(variable.c_str())) {
      return EnvValue{parse_env_value(name, text), std::move(variable)};
    }
  }
  return std::nullopt;
}

std::vector<std::pair<std::string, EnvValue>> env_option_keys(const Scope& scope) {
  std::vector<std::pair<std::string, EnvValue>> found;
  std::vector<std::string> prefixes = variable_names(scope, std::string(kOptionsParameter));
  for (std::string& prefix : prefixes) prefix += '_';
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    const auto equals = text.find('=');
    if (equals == std::string_view::npos) continue;
    const std::string_view variable = text.substr(0, equals);
    for (const std::string& prefix : prefixes) {
      if (variable.size() <= prefix.size() || !variable.starts_with(prefix)) continue;
      std::string key = to_lower(variable.substr(prefix.size()));
      found.emplace_back(key, EnvValue{parse_env_value(key, std::string(text.substr(equals + 1))),
                                       std::string(variable)});
      break;
    }
  }
  return found;
}

namespace {

std::vector<EnvParameter> scan_environment(const std::set<std::string>& mirrors) {
  std::vector<EnvParameter> found;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view variable(*entry);
    variable = variable.substr(0, variable.find('='));
    if (!variable.starts_with(kEnvPrefix) || variable.size() == kEnvPrefix.size()) continue;
    const std::string rest = without_option_key(to_lower(variable.substr(kEnvPrefix.size())));
    if (auto tail = after(rest, kRootToken)) {
      found.push_back(split_location_rest(std::string(kRootLocation), *tail));
    } else if (auto tail = after(rest, kLocalToken)) {
      found.push_back(split_location_rest(std::string(kLocalLocation), *tail));
    } else if (auto tail = after(rest, kMirrorToken); tail || (tail = after(rest, kMirrorsToken))) {
      if (auto parameter = split_mirror_rest(*tail, mirrors)) {
        found.push_back(std::move(*parameter));
      }
    } else {
      found.push_back({{std::string(kRootLocation), ""}, rest});
    }
  }
  return found;
}

}  // namespace

std::vector<EnvParameter> env_parameters(const std::set<std::string>& mirrors) {
  // A mirror of a one-word name that some variable sets a parameter of (
  // NUTHATCH_MIRRORS_PUBLIC_FILESYSTEM) is known, so NUTHATCH_MIRRORS_PUBLIC_ZARR_FILESYSTEM
  // is its zarr override rather than a mirror "public-zarr".
  std::set<std::string> known = mirrors;
  for (const EnvParameter& parameter : scan_environment(mirrors)) {
    const std::string& location = parameter.scope.location;
    if (location.starts_with(kMirrorPrefix) &&
        location.find('-', kMirrorPrefix.size()) == std::string::npos) {
      known.insert(location);
    }
  }
  return scan_environment(known);
}

}  // namespace nuthatch::config
