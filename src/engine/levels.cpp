#include "engine/levels.hpp"

#include <map>
#include <mutex>
#include <tuple>

#include "config/config.hpp"

namespace nuthatch {

const ModePolicy& policy_of(CacheMode mode) {
  //                                 read   read    write  write  replace compute
  //                                 local  global  local  root
  static const ModePolicy kWrite{false, true, false, true, false, true};
  static const ModePolicy kOverwrite{false, true, false, true, true, true};
  static const ModePolicy kReadOnly{true, true, false, false, false, true};
  static const ModePolicy kReadOnlyStrict{true, true, false, false, false, false};
  static const ModePolicy kLocal{true, true, true, false, false, true};
  static const ModePolicy kLocalOverwrite{true, true, true, false, true, true};
  static const ModePolicy kLocalSync{false, true, true, false, true, true};
  static const ModePolicy kLocalStrict{true, false, true, false, false, true};
  static const ModePolicy kLocalApi{true, true, true, false, false, false};
  static const ModePolicy kOff{false, false, false, false, false, true};
  switch (mode) {
    case CacheMode::write: return kWrite;
    case CacheMode::overwrite: return kOverwrite;
    case CacheMode::read_only: return kReadOnly;
    case CacheMode::read_only_strict: return kReadOnlyStrict;
    case CacheMode::local: return kLocal;
    case CacheMode::local_overwrite: return kLocalOverwrite;
    case CacheMode::local_sync: return kLocalSync;
    case CacheMode::local_strict: return kLocalStrict;
    case CacheMode::local_api: return kLocalApi;
    case CacheMode::off: return kOff;
  }
  return kWrite;
}

namespace {
struct LevelCache {
  std::mutex mu;
  std::uint64_t generation = ~std::uint64_t{0};
  std::map<std::pair<std::string, std::string>, std::shared_ptr<EntryStore>> stores;
  std::vector<std::string> mirrors;
};
LevelCache& level_cache() {
  static LevelCache* c = new LevelCache();
  return *c;
}
// Requires c.mu.
void refresh(LevelCache& c) {
  std::uint64_t g = config::generation();
  if (g == c.generation) return;
  c.stores.clear();
  c.mirrors.clear();
  for (auto& name : config::location_names()) {
    if (name != kRootLocation && name != kLocalLocation) c.mirrors.push_back(name);
  }
  c.generation = g;
}
}  // namespace

std::shared_ptr<EntryStore> open_level(const std::string& location, const std::string& backend) {
  LevelCache& c = level_cache();
  std::lock_guard lock(c.mu);
  refresh(c);
  auto key = std::make_pair(location, backend);
  if (auto it = c.stores.find(key); it != c.stores.end()) return it->second;
  config::LocationSpec spec = config::location(location, backend);
  auto store = std::make_shared<EntryStore>(StorageRegistry::open(spec.url, spec.options), location,
                                            spec.read_only, spec.options);
  c.stores.emplace(key, store);
  return store;
}

std::vector<std::string> mirror_locations() {
  LevelCache& c = level_cache();
  std::lock_guard lock(c.mu);
  refresh(c);
  return c.mirrors;
}

}  // namespace nuthatch
