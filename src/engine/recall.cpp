// Reading the levels of one call: which levels the mode reads, what each holds, and
// whether that entry answers the call (its version, a null entry, a backend this build
// has, a payload the location is trusted to load, a payload that reads back).

#include <fmt/format.h>

#include "common/log.hpp"
#include "config/config.hpp"
#include "engine/backend_hints.hpp"
#include "engine/call.hpp"
#include "location/staleness.hpp"
#include "nuthatch/keys.hpp"

namespace nuthatch {

void Call::mark_stale(const Location& location) {
  for (Seen& s : seen_) {
    if (s.location == &location) s.stale = true;
  }
}

std::optional<Found> Call::lookup(const Location& location) {
  const std::string& key = key_at(r_, location);
  if (key.empty()) return std::nullopt;
  if (skips_unreachable(r_, location)) return std::nullopt;
  try {
    std::optional<std::string> hint;
    if (r_.backend.empty()) hint = backend_hints::get(fn_.name);
    LookupFacts facts;
    std::optional<LocatedEntry> entry =
        location.find(r_.ns, key, r_.backend, hint.value_or(""), &facts);
    // Known absent: a write to this level then needs no second look (nor, when the key
    // had no null entry, a removal of one). Looked up for any backend, only a key with
    // no entry at all is: a null entry's write must see the null entry it replaces.
    const bool any_backend = r_.backend.empty();
    if (facts.no_value && (!any_backend || facts.no_null)) {
      seen_.push_back(
          Seen{&location, std::nullopt, false, r_.backend, any_backend, facts.no_null});
    }
    if (!entry && r_.legacy_key && location.layout() == EntryLayout::nuthatch &&
        location.holds_migrated_entries()) {
      return recall_migrated(location, hint.value_or(""));
    }
    return recall(location, std::move(entry));
  } catch (const StorageError& e) {
    if (!location.is_mirror()) throw;
    log::warn_once(location.name(),
                   fmt::format("skipping mirror {}: {}", location.name(), e.what()));
    return std::nullopt;
  }
}

std::optional<Found> Call::recall_migrated(const Location& location, const std::string& hint) {
  std::optional<LocatedEntry> entry =
      location.find(r_.ns, migrated_key(*r_.legacy_key), r_.backend, hint);
  if (!entry) return std::nullopt;
  // Filed by `nuthatch migrate` from the original's layout: no version this engine compares.
  entry->record.manifest.unversioned = true;
  const std::size_t before = seen_.size();
  std::optional<Found> found = recall(location, std::move(entry));
  // Not this call's own key: a write to this level files the call under its own key, so
  // it must not take this entry for the one it replaces.
  if (seen_.size() > before) seen_.back().location = nullptr;
  return found;
}

std::optional<Found> Call::recall(const Location& location, std::optional<LocatedEntry> entry) {
  if (!entry) return std::nullopt;
  const std::string& key = key_at(r_, location);
  std::shared_ptr<EntryStore> store = std::move(entry->store);
  if (r_.backend.empty() && !entry->record.manifest.is_null()) {
    backend_hints::put(fn_.name, entry->record.manifest.backend);
  }
  // Remembered (without copies: seen_ is a deque) so a write to this level can replace it.
  std::string backend = entry->record.manifest.backend;
  Seen& seen = seen_.emplace_back(Seen{&location, std::move(entry->record), false, std::move(backend)});
  ManifestRecord& record = *seen.record;
  const Manifest& m = record.manifest;
  // The original's entries record no version this engine compares (legacy_layout.hpp).
  if (!m.unversioned && m.version != fn_.options.version) {
    log::debug(fmt::format("entry '{}' at {} has version '{}', not '{}': recomputing", key,
                           location.name(), m.version, fn_.options.version));
    seen.stale = true;
    return std::nullopt;
  }
  // Staleness is judged only for an entry the call would use: not for one it recomputes
  // or skips anyway (retry_null_cache, a backend this build lacks, an untrusted payload).
  if (m.is_null()) {
    if (r_.retry_null_cache || (!uri_only_ && recomputes_stale(location, m))) {
      seen.stale = true;
      return std::nullopt;
    }
    return Found{&location, store, &record, Boxed()};
  }
  const Codec* codec = CodecRegistry::find(m.backend);
  if (codec == nullptr) {
    log::warn(fmt::format("entry '{}' at {} uses backend '{}', which this build lacks; skipping",
                          key, location.name(), m.backend));
    seen_.pop_back();
    return std::nullopt;
  }
  // filepath_only asks where the entry is, not what it holds: the payload is not read.
  if (uri_only_) return Found{&location, store, &record, Boxed()};
  // Decoding runs code (pickle): only where the user trusts it (config: trust_pickle).
  if (codec->runs_code_on_read() && !config::trusts_code_payloads(location.name(), m.backend)) {
    log::warn(fmt::format("entry '{}' at {} is a '{}' payload, which runs code when loaded, and "
                          "{} does not set trust_pickle = true; skipping it",
                          key, location.name(), m.backend, location.name()));
    seen_.pop_back();
    return std::nullopt;
  }
  if (recomputes_stale(location, m)) {
    seen.stale = true;
    return std::nullopt;
  }
  // Part of the value is enough where the raw value is not copied to another level: a
  // root entry, or a mirror's when the mode does not write root. Local entries hold the
  // processed result, which is returned as it is. A front end that opens the payload
  // lazily is asked first either way: a lazy result reads only what the processors touch.
  const bool partial = range_ && !location.uses_memo_key() &&
                       (location.role() == LocationRole::root || !r_.policy.write_root);
  if (!codec->single_file()) {
    if (std::optional<Boxed> opened =
            fn_.adapter->open(store->payload_location(m), *codec, r_.engine, r_.backend_kwargs)) {
      return Found{&location, store, &record, std::move(*opened)};
    }
  }
  std::optional<Boxed> stored = store->read(record, *codec, r_.backend_kwargs,
                                            partial ? &*range_ : nullptr);  // follows replacements
  if (!stored) {
    seen.stale = true;
    return std::nullopt;
  }
  return Found{&location, store, &record, fn_.adapter->from_stored(*stored, *codec, r_.engine)};
}

bool Call::recomputes_stale(const Location& location, const Manifest& m) const {
  if (r_.on_stale == OnStale::ignore) return false;
  const std::vector<std::string> reasons = stale_reasons(r_, m);
  if (reasons.empty()) return false;
  const std::string what = fmt::format("entry '{}' of {} at {} is stale: {}", m.key, fn_.name,
                                       location.name(), staleness::describe(reasons));
  switch (r_.on_stale.policy()) {
    case OnStale::fail:
      throw StaleEntryError(what + " (on_stale='fail'; recompute it, or bless it if the code "
                                   "change makes no difference)");
    case OnStale::recompute:
      // A mode that may not compute returns the entry it has, with the warning.
      if (r_.policy.compute) {
        log::info(what + "; recomputing (on_stale='recompute')");
        return true;
      }
      [[fallthrough]];
    case OnStale::warn:
      // One warning per entry and process, not one per hit.
      log::warn_once(fmt::format("stale {} {} {}", location.name(), m.key, m.entry_id),
                     what + "; returning it (on_stale='warn')");
      return false;
    case OnStale::ignore: return false;
  }
  return false;
}

std::optional<Boxed> Call::read_entry(const EntryStore& store, ManifestRecord& record,
                                     const Codec& codec, const Value& kwargs) const {
  if (!codec.single_file()) {
    if (std::optional<Boxed> opened =
            fn_.adapter->open(store.payload_location(record.manifest), codec, "", kwargs)) {
      return opened;
    }
  }
  std::optional<Boxed> stored = store.read(record, codec, kwargs);
  if (!stored) return std::nullopt;
  return fn_.adapter->from_stored(*stored, codec, "");
}

}  // namespace nuthatch
