#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "nuthatch/error.hpp"
#include "nuthatch/options.hpp"

namespace nuthatch {
namespace {

struct ModeName {
  std::string_view name;
  CacheMode mode;
};

// Canonical names first for each mode, so to_string() finds local_strict, not offline.
constexpr std::array<ModeName, 11> kModeNames = {{
    {"write", CacheMode::write},
    {"overwrite", CacheMode::overwrite},
    {"read_only", CacheMode::read_only},
    {"read_only_strict", CacheMode::read_only_strict},
    {"local", CacheMode::local},
    {"local_overwrite", CacheMode::local_overwrite},
    {"local_sync", CacheMode::local_sync},
    {"local_strict", CacheMode::local_strict},
    {"offline", CacheMode::local_strict},
    {"local_api", CacheMode::local_api},
    {"off", CacheMode::off},
}};

}  // namespace

CacheMode parse_cache_mode(std::string_view name) {
  for (const ModeName& mode : kModeNames) {
    if (mode.name == name) return mode.mode;
  }
  std::string valid;
  for (const ModeName& mode : kModeNames) {
    if (!valid.empty()) valid += ", ";
    valid += mode.name;
  }
  throw ConfigError(fmt::format("unknown cache mode '{}' (valid: {})", name, valid));
}

std::string_view to_string(CacheMode mode) {
  for (const ModeName& known : kModeNames) {
    if (known.mode == mode) return known.name;
  }
  return "unknown";
}

namespace {
constexpr std::pair<OnStale::Policy, std::string_view> kOnStaleNames[] = {
    {OnStale::warn, "warn"},
    {OnStale::recompute, "recompute"},
    {OnStale::ignore, "ignore"},
    {OnStale::fail, "fail"},
};
}  // namespace

OnStale::OnStale(std::string_view name) : policy_(parse_on_stale(name).policy()) {}

OnStale parse_on_stale(std::string_view name) {
  for (const auto& [policy, known] : kOnStaleNames) {
    if (known == name) return policy;
  }
  throw ConfigError(fmt::format("unknown on_stale policy '{}' (valid: warn, recompute, ignore, "
                                "fail)",
                                name));
}

std::string_view to_string(OnStale policy) {
  for (const auto& [known, name] : kOnStaleNames) {
    if (known == policy.policy()) return name;
  }
  return "unknown";
}

bool FunctionSet::selects(std::string_view function, std::string_view self) const {
  if (all_) return true;
  if (self_ && function == self) return true;
  return std::find(names_.begin(), names_.end(), function) != names_.end();
}

}  // namespace nuthatch
