// Questions about one call's entry that run no call: which backend it is stored with and
// when, and its removal (the original Nuthatch's Cache.get_backend / last_modified /
// delete / delete_null).

#include <fmt/format.h>

#include "common/time.hpp"
#include "engine/resolve.hpp"
#include "location/staleness.hpp"
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

EntryStatus status(const FunctionSpec& fn, CallArgs args, const CallOptions& options) {
  ResolvedCall r = resolve_call(fn, std::move(args), options);
  // The levels the call reads, in its order and with its rules (recall.cpp), the first
  // entry of the function's version answering; entries in the original's layout record
  // no components to compare.
  for (const Location* level : read_levels(r)) {
    if (level->layout() != EntryLayout::nuthatch || skips_unreachable(r, *level)) continue;
    const std::string& key = key_at(r, *level);
    if (key.empty()) continue;
    std::optional<LocatedEntry> found;
    try {
      found = level->find(r.ns, key, r.backend);
    } catch (const StorageError&) {
      if (!level->is_mirror()) throw;
      continue;
    }
    if (!found || found->record.manifest.version != fn.options.version) continue;
    const Manifest& m = found->record.manifest;
    EntryStatus s{"fresh", {}, false, level->name(), m.key, m.entry_id};
    s.reasons = stale_reasons(r, m, &s.input_missing);
    if (!s.reasons.empty()) s.state = "stale";
    return s;
  }
  return EntryStatus{"missing", {}, false, {}, r.cache_key, {}};
}

bool bless(const FunctionSpec& fn, CallArgs args, const CallOptions& options) {
  Place p = place_of(fn, std::move(args), options);
  constexpr int kAttempts = 5;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    std::optional<LocatedEntry> found = p.level->find(p.r.ns, p.key, p.r.backend);
    if (!found) return false;
    const Manifest& was = found->record.manifest;
    if (was.code == fn.code && was.code_components == fn.code_components) return true;
    Manifest m = was;
    Value components = Value::object();
    for (const auto& [name, hash] : was.code_components) components[name] = hash;
    if (!m.code_history.is_array()) m.code_history = Value::array();
    m.code_history.push_back(Value::object({{"code", was.code},
                                            {"code_components", std::move(components)},
                                            {"replaced", rfc3339_utc(now_ns())},
                                            {"user", current_user()}}));
    m.code = fn.code;
    m.code_components = fn.code_components;
    if (found->store->restamp(found->record, m)) {
      staleness::note_changed(p.level->name(), p.r.ns, p.key);
      return true;
    }
  }
  throw StorageError(fmt::format("could not bless '{}' at {}: the entry kept changing", p.key,
                                 p.level->name()));
}

bool remove(const FunctionSpec& fn, CallArgs args, const CallOptions& options, bool null_entry) {
  Place p = place_of(fn, std::move(args), options);
  auto removed = [&] {
    if (null_entry) {
      bool any = false;
      for (const std::shared_ptr<EntryStore>& store : p.level->stores()) {
        for (const std::string& backend : store->backends(p.r.ns, p.key)) {
          if (backend != kNullBackend) continue;
          store->remove(p.r.ns, p.key, backend);
          any = true;
        }
      }
      return any;
    }
    std::optional<LocatedEntry> found = p.level->find(p.r.ns, p.key, p.r.backend);
    if (!found || found->record.manifest.is_null()) return false;
    found->store->remove(p.r.ns, p.key, found->record.manifest.backend);
    return true;
  }();
  // After the removal, so an answer another thread kept meanwhile is forgotten too.
  if (removed) staleness::note_changed(p.level->name(), p.r.ns, p.key);
  return removed;
}

}  // namespace nuthatch::engine
