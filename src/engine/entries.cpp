// Questions about one call's entry that run no call: which backend it is stored with and
// when, and its removal (the original Nuthatch's Cache.get_backend / last_modified /
// delete / delete_null).

#include <fmt/format.h>

#include "engine/resolve.hpp"
#include "location/location.hpp"
#include "meta/manifest.hpp"
#include "nuthatch/engine.hpp"
#include "nuthatch/error.hpp"

namespace nuthatch::engine {

namespace {

struct Place {
  ResolvedCall r;
  const Location* level;
  std::string key;
};

// The level the call writes, and the key it files the entry under there.
Place place_of(const FunctionSpec& fn, CallArgs args, const CallOptions& options) {
  Place p{resolve_call(fn, std::move(args), options), nullptr, {}};
  const bool local = p.r.policy.write_local && !p.r.policy.write_root;
  p.level = local ? &p.r.locations->local() : &p.r.locations->root();
  if (p.level->layout() != EntryLayout::nuthatch) {
    throw ConfigError(fmt::format("{}: location '{}' is in the original Nuthatch's layout, read "
                                  "only through calls",
                                  fn.name, p.level->name()));
  }
  if (p.level->read_only()) {
    throw StorageError(fmt::format("{}: location '{}' is read-only", fn.name, p.level->name()));
  }
  p.key = p.level->uses_memo_key() ? p.r.memo_key : p.r.cache_key;
  if (p.key.empty()) {
    throw KeyError(fmt::format("{}: an argument cannot be turned into a key, so the call has no "
                               "entry at {}",
                               fn.name, p.level->name()));
  }
  return p;
}

}  // namespace

std::optional<StoredEntry> stored_entry(const FunctionSpec& fn, CallArgs args,
                                        const CallOptions& options) {
  Place p = place_of(fn, std::move(args), options);
  std::optional<LocatedEntry> found = p.level->find(p.r.ns, p.key, p.r.backend);
  if (!found) return std::nullopt;
  return StoredEntry{found->record.manifest.backend, found->record.manifest.created};
}

std::string metadata_url(const FunctionSpec& fn, CallArgs args, const CallOptions& options) {
  Place p = place_of(fn, std::move(args), options);
  return p.level->store_for(p.r.backend)->metadata_url();
}

bool remove(const FunctionSpec& fn, CallArgs args, const CallOptions& options, bool null_entry) {
  Place p = place_of(fn, std::move(args), options);
  if (null_entry) {
    bool removed = false;
    for (const std::shared_ptr<EntryStore>& store : p.level->stores()) {
      for (const std::string& backend : store->backends(p.r.ns, p.key)) {
        if (backend != kNullBackend) continue;
        store->remove(p.r.ns, p.key, backend);
        removed = true;
      }
    }
    return removed;
  }
  std::optional<LocatedEntry> found = p.level->find(p.r.ns, p.key, p.r.backend);
  if (!found || found->record.manifest.is_null()) return false;
  found->store->remove(p.r.ns, p.key, found->record.manifest.backend);
  return true;
}

}  // namespace nuthatch::engine
