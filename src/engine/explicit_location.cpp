#include "engine/explicit_location.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/paths.hpp"
#include "nuthatch/error.hpp"

namespace nuthatch {

namespace {

constexpr const char* kName = "given";  // the location's name in messages and manifests

// The store of one table: its own `filesystem` / `filesystem_options`, else `base`'s.
config::LocationSpec spec_of(const Value& table, const std::string& backend,
                             const config::LocationSpec* base) {
  config::LocationSpec spec;
  spec.name = kName;
  spec.backend = backend;
  const std::string where = backend.empty() ? "the location" : fmt::format("backend '{}'", backend);
  if (const Value* url = table.find("filesystem")) {
    if (!url->is_string()) {
      throw ConfigError(fmt::format("{}: 'filesystem' must be a string, not {}", where,
                                    Value::kind_name(url->kind())));
    }
    spec.url = config::expand_path(url->string_ref(), std::filesystem::current_path());
  } else if (base != nullptr) {
    spec.url = base->url;
  } else {
    throw ConfigError("a location given by its configuration needs 'filesystem' (a URL or path)");
  }
  if (const Value* options = table.find("filesystem_options")) {
    if (!options->is_object()) {
      throw ConfigError(fmt::format("{}: 'filesystem_options' must be a table, not {}", where,
                                    Value::kind_name(options->kind())));
    }
    spec.options = *options;
  } else {
    spec.options = base != nullptr ? base->options : Value::object();
  }
  return spec;
}

std::unique_ptr<Location> build(const Value& table) {
  if (!table.is_object()) {
    throw ConfigError(fmt::format("a location's configuration must be a table, not {}",
                                  Value::kind_name(table.kind())));
  }
  std::vector<config::LocationSpec> specs{spec_of(table, "", nullptr)};
  for (const auto& [name, value] : table.members()) {
    if (name == "filesystem" || name == "filesystem_options") continue;
    if (!value.is_object()) {
      throw ConfigError(fmt::format(
          "a location given by its configuration takes 'filesystem', 'filesystem_options' "
          "and per-backend tables; '{}' is a {}",
          name, Value::kind_name(value.kind())));
    }
    for (const auto& [key, ignored] : value.members()) {
      if (key != "filesystem" && key != "filesystem_options") {
        throw ConfigError(fmt::format(
            "backend '{}' of a location given by its configuration: unknown parameter '{}' "
            "(only 'filesystem' and 'filesystem_options' are read there)",
            name, key));
      }
    }
    if (value.size() > 0) specs.push_back(spec_of(value, name, &specs.front()));
  }
  return std::make_unique<Location>(kName, LocationRole::root, std::move(specs));
}

}  // namespace

std::shared_ptr<const Locations> explicit_locations(const Value& table) {
  static std::mutex mu;
  static auto* built = new std::map<std::string, std::shared_ptr<const Locations>>();  // never destroyed: used at exit
  const std::string id = table.to_string() + "|" + std::filesystem::current_path().string();
  {
    std::lock_guard lock(mu);
    if (auto it = built->find(id); it != built->end()) return it->second;
  }
  std::shared_ptr<const Locations> locations = Locations::only(build(table));
  std::lock_guard lock(mu);
  return built->emplace(id, std::move(locations)).first->second;
}

}  // namespace nuthatch
