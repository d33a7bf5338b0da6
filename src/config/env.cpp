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
  const std::string location = std::string(kEnvPrefix) + env_token(scope.location) + "_";
  if (!scope.backend.empty()) {
    return {location + env_token(scope.backend) + "_" + env_token(name)};
  }
  std::vector<std::string> names = {location + env_token(name)};
  if (scope.location == kRootLocation) names.push_back(std::string(kEnvPrefix) + env_token(name));
  return names;
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

std::vector<EnvParameter> env_parameters(const std::set<std::string>& mirrors) {
  std::vector<EnvParameter> found;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view variable(*entry);
    variable = variable.substr(0, variable.find('='));
    if (!variable.starts_with(kEnvPrefix) || variable.size() == kEnvPrefix.size()) continue;
    const std::string rest = to_lower(variable.substr(kEnvPrefix.size()));
    if (auto tail = after(rest, kRootToken)) {
      found.push_back(split_location_rest(std::string(kRootLocation), *tail));
    } else if (auto tail = after(rest, kLocalToken)) {
      found.push_back(split_location_rest(std::string(kLocalLocation), *tail));
    } else if (auto tail = after(rest, kMirrorToken)) {
      if (auto parameter = split_mirror_rest(*tail, mirrors)) {
        found.push_back(std::move(*parameter));
      }
    } else {
      found.push_back({{std::string(kRootLocation), ""}, rest});
    }
  }
  return found;
}

}  // namespace nuthatch::config
