// Writing one call's result to a level: what is there now, whether to replace it (the
// mode, staleness and the overwrite rule), and the commit through the location, which
// picks the store of the entry's backend and streams or encodes the payload.

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <thread>

#include "common/log.hpp"
#include "engine/backend_hints.hpp"
#include "engine/call.hpp"
#include "engine/overwrite.hpp"
#include "location/staleness.hpp"

namespace nuthatch {
namespace {

/// The payload of a computed result, through the front end's adapter.
class AdapterPayload final : public PayloadSource {
 public:
  AdapterPayload(const ResultAdapter& adapter, const Boxed& result, const Codec& codec,
                 const Value& kwargs)
      : adapter_(adapter), result_(result), codec_(codec), kwargs_(kwargs) {}
  std::optional<std::uint64_t> write_tree(const TreePlace& place) override {
    return adapter_.write(result_, codec_, place.location, kwargs_);
  }
  Boxed stored() override { return adapter_.to_stored(result_, codec_); }

 private:
  const ResultAdapter& adapter_;
  const Boxed& result_;
  const Codec& codec_;
  const Value& kwargs_;
};

}  // namespace

EntryDraft Call::draft(const Location& location, const std::string& backend,
                       const Boxed& result) const {
  EntryDraft d;
  d.name = fn_.name;
  d.ns = r_.ns;
  d.key = key_at(r_, location);
  d.backend = backend;
  d.version = fn_.options.version;
  // Cache arguments only, at every level: other arguments (a token, a password) never
  // reach storage; the local key holds a hash of them instead.
  for (std::size_t i = 0; i < r_.arguments.names.size(); ++i) {
    const std::string& name = r_.arguments.names[i];
    const auto& keyed = fn_.options.cache_args;
    if (std::find(keyed.begin(), keyed.end(), name) != keyed.end()) {
      d.args[name] = r_.arguments.values[i];
    }
  }
  d.code = fn_.code;
  d.code_components = fn_.code_components;
  d.compute_seconds = compute_seconds_;
  if (r_.frame->lineage) d.inputs = r_.frame->lineage->take();
  // A null entry lives in the store of the backend the call writes with.
  if (result.empty()) d.store_backend = write_backend();
  return d;
}

const std::string& Call::write_backend() const {
  return r_.storage_backend.empty() ? r_.backend : r_.storage_backend;
}

bool Call::stores_elsewhere(const Found& found) const {
  return !r_.storage_backend.empty() && found.record->manifest.backend != r_.storage_backend;
}

void Call::write(const Location& location, const Boxed& result,
                 const std::optional<Found>& found) {
  if (location.uses_memo_key() ? !r_.memo_keyable : !r_.cache) return;
  if (r_.upsert && result.empty()) return;
  const std::string& wanted = write_backend();
  const bool storage_kwargs = !r_.storage_backend.empty() || r_.storage_backend_kwargs.size() > 0;
  const Value& kwargs = storage_kwargs ? r_.storage_backend_kwargs : r_.backend_kwargs;
  const std::string backend =
      result.empty() ? std::string(kNullBackend)
                     : (wanted.empty() ? fn_.adapter->backend_for(result) : wanted);
  const EntryDraft entry = draft(location, backend, result);
  std::shared_ptr<EntryStore> store = location.store_for(entry.store_selector());
  // What is there now: what the lookup saw, else a fresh look.
  CommitRules rules;
  bool stale = false;
  auto it = std::find_if(seen_.begin(), seen_.end(), [&](const Seen& s) {
    return s.location == &location && (s.backend == backend || s.any_backend);
  });
  if (it != seen_.end()) {
    rules.expected = it->record;
    rules.null_absent = it->null_absent;
    stale = it->stale;
  } else {
    rules.expected = store->find(r_.ns, entry.key, backend);
    if (rules.expected && rules.expected->manifest.version != fn_.options.version) stale = true;
  }
  const std::optional<ManifestRecord>& existing = rules.expected;
  if (found && found->store == store && existing &&
      existing->manifest.entry_id == found->record->manifest.entry_id) {
    return;  // read from this very entry: nothing to write
  }
  const Codec* codec = result.empty() ? nullptr : &CodecRegistry::get(backend);
  if (r_.upsert && existing && !stale && codec != nullptr) {
    upsert(location, *store, entry, *codec, kwargs, std::move(rules.expected), result);
    return;
  }
  // Replace what is there when the mode overwrites, the entry is stale, or the overwrite
  // rule says so. A caller that saw no entry does not replace one another writer
  // committed meanwhile (unless forced): theirs is kept and ours discarded.
  rules.replace = r_.policy.replace || stale || r_.force_overwrite.value_or(false);
  if (existing && !stale && !r_.policy.replace && !r_.upsert) {
    rules.replace = decide_overwrite(r_.force_overwrite, entry.key, location.name(), store->url());
    if (!rules.replace) return;
  }
  commit(location, *store, entry, codec, kwargs, rules, result);
}

CommitOutcome Call::commit(const Location& location, EntryStore& store, const EntryDraft& entry,
                           const Codec* codec, const Value& kwargs, const CommitRules& rules,
                           const Boxed& result) {
  std::optional<AdapterPayload> payload;
  if (codec != nullptr) payload.emplace(*fn_.adapter, result, *codec, kwargs);
  Manifest committed;
  const CommitOutcome outcome = location.commit(entry, codec, payload ? &*payload : nullptr,
                                                kwargs, rules, &committed);
  if (outcome == CommitOutcome::committed) {
    staleness::note_changed(location.name(), r_.ns, entry.key);
    log::info(fmt::format("cached '{}' (namespace {}) with backend {} in {}", entry.key, r_.ns,
                          committed.backend, location.name()));
    if (write_backend().empty() && !result.empty()) backend_hints::put(fn_.name, entry.backend);
    note_input(location.name(), committed);
    if (written_uri_.empty()) written_uri_ = store.payload_url(committed);
    if (codec != nullptr && !codec->single_file() && !written_value_ &&
        fn_.adapter->returns_written(result)) {
      written_value_ = fn_.adapter->open(store.payload_location(committed), *codec, r_.engine,
                                         r_.backend_kwargs);
    }
  }
  return outcome;
}

// Upsert: the rows merged into the table stored now, committed as a new entry only if that
// table is still current when the manifest is swapped (a conditional commit); when another
// writer committed meanwhile, their table is read and merged into again. Readers see the
// old table or the merged one, never a partial merge, and no writer's rows are lost.
void Call::upsert(const Location& location, EntryStore& store, const EntryDraft& entry,
                  const Codec& codec, const Value& kwargs, std::optional<ManifestRecord> current,
                  const Boxed& rows) {
  constexpr int kAttempts = 20;
  std::minstd_rand jitter(std::random_device{}());
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    if (attempt > 0) {  // another writer won the last round: back off before merging again
      const int most_ms = std::min(200, 5 << std::min(attempt, 6));
      std::this_thread::sleep_for(std::chrono::milliseconds(1 + jitter() % most_ms));
    }
    std::optional<Boxed> merged;
    if (current && !current->manifest.is_null() && current->manifest.backend == entry.backend) {
      if (std::optional<Boxed> stored = read_entry(store, *current, codec, kwargs)) {
        merged = fn_.adapter->upsert(*stored, rows, r_.upsert_keys);
      } else {
        log::warn(fmt::format("the stored table of '{}' at {} cannot be read; upsert writes the "
                              "new rows alone",
                              entry.key, location.name()));
      }
    }
    CommitRules rules;
    rules.expected = current;
    const Boxed& value = merged ? *merged : rows;
    if (commit(location, store, entry, &codec, kwargs, rules, value) == CommitOutcome::committed) {
      if (merged && !upserted_) upserted_ = std::move(*merged);
      log::info(fmt::format("upserted {} rows into '{}' at {}", merged ? "new" : "all", entry.key,
                            location.name()));
      return;
    }
    current = store.find(r_.ns, entry.key, entry.backend);
  }
  throw StorageError(fmt::format("could not upsert into '{}' at {}: other writers kept "
                                 "replacing the entry ({} attempts)",
                                 entry.key, location.name(), kAttempts));
}

}  // namespace nuthatch
