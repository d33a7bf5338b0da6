// engine::call: one cached call, end to end.
//  1. resolve options (resolve.cpp); mode `off` or cache=false with no local level: just
//     compute;
//  2. memoizer (memo key), unless recomputing;
//  3. levels in order local -> root -> mirrors, as the mode allows; an entry of another
//     version, a corrupt one, or one a processor rejects is a miss there;
//  4. on a miss: CacheMissError where the mode or fail_if_no_cache forbids computing,
//     else compute inside a nested-call frame that collects lineage;
//  5. write to the mode's write levels when the value was computed, came from another
//     level or is wanted in another backend; replacing an existing entry follows the
//     overwrite rule (overwrite.cpp);
//  6. processors shape the result; memoize; return.
// Root entries hold the raw result under the cache key; local entries hold the processed
// result under the memo key (as the original does), so a local hit is returned as is.

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <mutex>
#include <unordered_map>

#include "common/log.hpp"
#include "config/config.hpp"
#include "nuthatch/config.hpp"
#include "engine/context.hpp"
#include "engine/levels.hpp"
#include "engine/overwrite.hpp"
#include "engine/resolve.hpp"
#include "memo/memoizer.hpp"
#include "nuthatch/engine.hpp"

namespace nuthatch {
namespace {

/// Per function, the backend its entries were last found or written in, for front ends
/// that cannot name the backend before computing (ResultAdapter::default_backend() ""):
/// the lookup tries that backend's manifest first instead of listing the key. A wrong
/// hint costs one missed read; the listing follows as before.
class BackendHints {
 public:
  std::optional<std::string> get(const std::string& function) const {
    std::lock_guard lock(mutex_);
    auto it = hints_.find(function);
    if (it == hints_.end()) return std::nullopt;
    return it->second;
  }
  void put(const std::string& function, const std::string& backend) {
    std::lock_guard lock(mutex_);
    auto it = hints_.find(function);
    if (it == hints_.end()) {
      hints_.emplace(function, backend);
    } else if (it->second != backend) {
      it->second = backend;
    }
  }

 private:
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::string> hints_;
};

BackendHints& backend_hints() {
  static BackendHints* hints = new BackendHints();  // never destroyed: used at exit
  return *hints;
}

/// The entry of (ns, key) when the backend is not known: the newest value entry, else the
/// null entry. One listing, then one read per manifest listed.
std::optional<ManifestRecord> find_any_entry(const EntryStore& store, const std::string& ns,
                                             const std::string& key) {
  std::optional<ManifestRecord> best;
  bool has_null = false;
  for (const std::string& b : store.backends(ns, key)) {
    if (b == kNullBackend) {
      has_null = true;
      continue;
    }
    std::optional<ManifestRecord> rec = store.find(ns, key, b);
    if (rec && (!best || rec->manifest.entry_id > best->manifest.entry_id)) best = std::move(rec);
  }
  if (!best && has_null) best = store.find(ns, key, std::string(kNullBackend));
  return best;
}

/// An entry found at one level.
struct Found {
  std::shared_ptr<EntryStore> store;
  const ManifestRecord* record;  ///< points into Call::seen_
  Boxed value;  ///< result type (empty for a null entry)
};

/// What a level held that the caller may replace (stale, corrupt, rejected, or valid).
struct Seen {
  std::string location;
  std::optional<ManifestRecord> record;  ///< nullopt: looked up and absent
  bool stale = false;                    ///< replace without asking
  std::string backend;                   ///< the manifest looked up
};

class Call {
 public:
  Call(const FunctionSpec& fn, ResolvedCall r, const std::function<Boxed()>& compute)
      : fn_(fn), r_(std::move(r)), compute_(compute) {
    if (r_.processors.size() == 1) range_ = r_.processors.front()->read_range(r_.arguments);
  }

  Boxed run(std::string* uri_out);

 private:
  std::string key_for(std::string_view location) const {
    return location == kLocalLocation ? r_.memo_key : r_.cache_key;
  }
  std::string memo_id() const {
    return fmt::format("{}|{}|{}|{}", r_.ns, r_.memo_key, r_.backend, fn_.options.version);
  }
  std::vector<std::string> read_levels() const;
  std::optional<Found> lookup(const std::string& location);
  std::optional<Found> lookup_in(const std::shared_ptr<EntryStore>& store, const std::string& key);
  Boxed process(Boxed result) const;
  bool valid(const Boxed& result) const;
  void write(const std::string& location, const Boxed& result, const std::optional<Found>& found);
  void note_input(const EntryStore& store, const Manifest& m) const;

  const FunctionSpec& fn_;
  ResolvedCall r_;
  const std::function<Boxed()>& compute_;
  /// The part of the result the call needs (the processor's read_range), if it names one.
  std::optional<CoordinateRange> range_;
  std::deque<Seen> seen_;  // stable addresses: Found points into it
  std::string written_uri_;
};

std::vector<std::string> Call::read_levels() const {
  std::vector<std::string> levels;
  if (r_.policy.read_local && r_.memo_keyable) levels.emplace_back(kLocalLocation);
  if (r_.policy.read_global && r_.cache) {
    levels.emplace_back(kRootLocation);
    for (auto& m : mirror_locations()) levels.push_back(m);
  }
  return levels;
}

std::optional<Found> Call::lookup_in(const std::shared_ptr<EntryStore>& store,
                                     const std::string& key) {
  std::optional<ManifestRecord> rec;
  if (!r_.backend.empty()) {
    rec = store->find(r_.ns, key, r_.backend);
    // Known absent: a write to this level then needs no second look.
    if (!rec) seen_.push_back(Seen{store->location(), std::nullopt, false, r_.backend});
  } else if (std::optional<std::string> hint = backend_hints().get(fn_.name)) {
    // The backend this function's entries had last: one read instead of a listing.
    rec = store->find(r_.ns, key, *hint);
  }
  // A value entry wins over a null entry of the same key (a crash between a commit's swap
  // and its cleanup can leave both: meta/entry_store.cpp, invariant 8).
  if (!rec && r_.backend.empty()) rec = find_any_entry(*store, r_.ns, key);
  if (!rec && !r_.backend.empty()) rec = store->find(r_.ns, key, std::string(kNullBackend));
  if (!rec) return std::nullopt;
  if (r_.backend.empty() && !rec->manifest.is_null()) backend_hints().put(fn_.name, rec->manifest.backend);
  // Remembered (without copies: seen_ is a deque) so a write to this level can replace it.
  std::string backend = rec->manifest.backend;
  Seen& seen = seen_.emplace_back(Seen{store->location(), std::move(rec), false, std::move(backend)});
  ManifestRecord& record = *seen.record;
  const Manifest& m = record.manifest;
  if (m.version != fn_.options.version) {
    log::debug(fmt::format("entry '{}' at {} has version '{}', not '{}': recomputing", key,
                           store->location(), m.version, fn_.options.version));
    seen.stale = true;
    return std::nullopt;
  }
  if (m.is_null()) {
    if (r_.retry_null_cache) {
      seen.stale = true;
      return std::nullopt;
    }
    return Found{store, &record, Boxed()};
  }
  const Codec* codec = CodecRegistry::find(m.backend);
  if (codec == nullptr) {
    log::warn(fmt::format("entry '{}' at {} uses backend '{}', which this build lacks; skipping",
                          key, store->location(), m.backend));
    seen_.pop_back();
    return std::nullopt;
  }
  // Decoding runs code (pickle): only where the user trusts it (config: trust_pickle).
  if (codec->runs_code_on_read() && !config::trusts_code_payloads(store->location(), m.backend)) {
    log::warn(fmt::format("entry '{}' at {} is a '{}' payload, which runs code when loaded, and "
                          "{} does not set trust_pickle = true; skipping it",
                          key, store->location(), m.backend, store->location()));
    seen_.pop_back();
    return std::nullopt;
  }
  // Part of the value is enough where the raw value is not copied to another level: a
  // root entry, or a mirror's when the mode does not write root. Local entries hold the
  // processed result, which is returned as it is. A front end that opens the payload
  // lazily is asked first either way: a lazy result reads only what the processors touch.
  const std::string& level = store->location();
  const bool partial = range_ && level != kLocalLocation &&
                       (level == kRootLocation || !r_.policy.write_root);
  if (!codec->single_file()) {
    if (std::optional<Boxed> opened =
            fn_.adapter->open(store->payload_location(m), *codec, r_.engine)) {
      return Found{store, &record, std::move(*opened)};
    }
  }
  std::optional<Boxed> stored = store->read(record, *codec, r_.backend_kwargs,
                                            partial ? &*range_ : nullptr);  // follows replacements
  if (!stored) {
    seen.stale = true;
    return std::nullopt;
  }
  return Found{store, &record, fn_.adapter->from_stored(*stored, *codec, r_.engine)};
}

std::optional<Found> Call::lookup(const std::string& location) {
  std::shared_ptr<EntryStore> store;
  bool mirror = location != kRootLocation && location != kLocalLocation;
  try {
    store = open_level(location, r_.backend);
    return lookup_in(store, key_for(location));
  } catch (const StorageError& e) {
    if (!mirror) throw;
    log::warn_once(location, fmt::format("skipping mirror {}: {}", location, e.what()));
    return std::nullopt;
  }
}

bool Call::valid(const Boxed& result) const {
  if (result.empty()) return true;
  for (const auto& p : r_.processors) {
    if (!p->validate(result, r_.arguments)) return false;
  }
  return true;
}

Boxed Call::process(Boxed result) const {
  if (result.empty()) return result;
  for (const auto& p : r_.processors) result = p->post_process(std::move(result), r_.arguments);
  return result;
}

void Call::note_input(const EntryStore& store, const Manifest& m) const {
  const auto& parent = context::current();
  if (!parent || !parent->lineage) return;
  parent->lineage->add({m.ns, m.key, m.backend, m.entry_id, store.location()});
}

void Call::write(const std::string& location, const Boxed& result,
                 const std::optional<Found>& found) {
  const bool local = location == kLocalLocation;
  if (local && !r_.memo_keyable) return;
  if (!local && !r_.cache) return;
  if (r_.upsert && result.empty()) return;
  const std::string key = key_for(location);
  const std::string backend =
      result.empty() ? std::string(kNullBackend)
                     : (r_.backend.empty() ? fn_.adapter->backend_for(result) : r_.backend);
  std::shared_ptr<EntryStore> store = open_level(location, r_.backend);
  // What is there now: what the lookup saw, else a fresh look.
  std::optional<ManifestRecord> existing;
  bool stale = false;
  auto it = std::find_if(seen_.begin(), seen_.end(), [&](const Seen& s) {
    return s.location == location && s.backend == backend;
  });
  if (it != seen_.end()) {
    existing = it->record;
    stale = it->stale;
  } else {
    existing = store->find(r_.ns, key, backend);
    if (existing && existing->manifest.version != fn_.options.version) stale = true;
  }
  if (found && found->store == store && existing &&
      existing->manifest.entry_id == found->record->manifest.entry_id) {
    return;  // read from this very entry: nothing to write
  }
  // Replace what is there when the mode overwrites, the entry is stale, or the overwrite
  // rule says so. A caller that saw no entry does not replace one another writer
  // committed meanwhile (unless forced): theirs is kept and ours discarded.
  bool replace = r_.policy.replace || stale || r_.force_overwrite.value_or(false);
  if (existing && !stale && !r_.policy.replace) {
    replace = decide_overwrite(r_.force_overwrite, key, store->location(), store->url());
    if (!replace) return;
  }
  Manifest m;
  m.name = fn_.name;
  m.key = key;
  m.ns = r_.ns;
  m.backend = backend;
  m.version = fn_.options.version;
  Value args = Value::object();
  for (std::size_t i = 0; i < r_.arguments.names.size(); ++i) {
    const auto& name = r_.arguments.names[i];
    // Cache arguments only, at every level: other arguments (a token, a password) never
    // reach storage; the local key holds a hash of them instead.
    bool keyed = std::find(fn_.options.cache_args.begin(), fn_.options.cache_args.end(), name) !=
                 fn_.options.cache_args.end();
    if (keyed) args[name] = r_.arguments.values[i];
  }
  m.args = std::move(args);
  m.code = fn_.code;
  if (r_.frame->lineage) m.inputs = r_.frame->lineage->take();
  Boxed stored;
  const Codec* codec = nullptr;
  std::optional<CommitOutcome> outcome;
  Manifest committed;
  if (!result.empty()) {
    codec = &CodecRegistry::get(backend);
    if (!codec->single_file()) {  // the front end may write the tree itself (streaming)
      Manifest prepared = m;
      store->prepare(prepared, codec);
      if (std::optional<std::uint64_t> bytes = fn_.adapter->write(
              result, *codec, store->payload_location(prepared), r_.backend_kwargs)) {
        prepared.bytes = *bytes;
        outcome = store->publish(std::move(prepared), existing, replace, &committed);
      }
    }
    if (!outcome) stored = fn_.adapter->to_stored(result, *codec);
  }
  if (!outcome) {
    outcome = store->commit(std::move(m), stored, codec, r_.backend_kwargs, existing, replace,
                            &committed);
  }
  if (*outcome == CommitOutcome::committed) {
    if (r_.backend.empty() && !result.empty()) backend_hints().put(fn_.name, backend);
    note_input(*store, committed);
    if (written_uri_.empty()) written_uri_ = store->payload_url(committed);
  }
}

// The memoizer's budget follows the memoize_max_bytes parameter.
void apply_memo_budget(Memoizer& memo) {
  static std::atomic<std::uint64_t> applied{~std::uint64_t{0}};
  std::uint64_t g = config::generation();
  if (applied.load(std::memory_order_relaxed) == g) return;
  std::optional<Value> v = get_parameter("memoize_max_bytes");
  if (v && v->is_number()) memo.set_budget(static_cast<std::size_t>(v->as<double>()));
  applied.store(g, std::memory_order_relaxed);
}

Boxed Call::run(std::string* uri_out) {
  Memoizer& memo = Memoizer::instance();
  const bool use_memo = r_.memoize && r_.memo_keyable && r_.mode != CacheMode::off;
  if (use_memo) apply_memo_budget(memo);
  if (use_memo && !r_.recompute && !r_.upsert && uri_out == nullptr) {
    if (auto hit = memo.get(memo_id())) return *hit;
  }

  std::optional<Found> found;
  std::string found_location;
  const bool may_read = !r_.recompute && !r_.upsert;
  if (may_read) {
    for (const std::string& level : read_levels()) {
      found = lookup(level);
      if (!found) continue;
      if (!valid(found->value)) {
        log::warn(fmt::format("entry '{}' at {} does not cover this call ({}): recomputing",
                              found->record->manifest.key, level, fn_.name));
        for (auto& s : seen_) {
          if (s.location == level) s.stale = true;
        }
        found.reset();
        continue;
      }
      found_location = level;
      break;
    }
  }

  Boxed result;
  bool computed = false;
  if (found) {
    result = found->value;
    note_input(*found->store, found->record->manifest);
  } else {
    bool strict = !r_.policy.compute || (r_.fail_if_no_cache && r_.cache);
    if (strict && r_.mode != CacheMode::off) {
      std::vector<std::string> levels = read_levels();
      throw CacheMissError(fmt::format(
          "no cache entry for key '{}' (namespace {}) in [{}]; cache mode {}{} does not compute",
          r_.cache_key, r_.ns, fmt::join(levels, ", "), to_string(r_.mode),
          r_.fail_if_no_cache ? " with fail_if_no_cache" : ""));
    }
    {
      r_.frame->lineage = std::make_shared<Lineage>();
      context::Push in(r_.frame);
      result = compute_();
    }
    computed = true;
    if (!valid(result)) {
      throw Error(fmt::format("the result computed by {} for key '{}' fails validation",
                              fn_.name, r_.cache_key));
    }
  }

  // Root holds the raw result; local the processed one.
  if (r_.policy.write_root && (computed || found_location != kRootLocation)) {
    write(std::string(kRootLocation), result, found);
  }
  Boxed out = found_location == kLocalLocation ? result : process(result);
  if (r_.policy.write_local && (computed || found_location != kLocalLocation)) {
    write(std::string(kLocalLocation), out, found);
  }

  if (uri_out != nullptr) {
    if (!written_uri_.empty()) {
      *uri_out = written_uri_;
    } else if (found) {
      *uri_out = found->store->payload_url(found->record->manifest);
    } else {
      std::string level(r_.policy.write_local && !r_.policy.write_root ? kLocalLocation : kRootLocation);
      auto store = open_level(level, r_.backend);
      *uri_out = store->storage().url_of(manifest_dir(r_.ns, key_for(level)));
    }
  }
  if (use_memo && !out.empty()) memo.put(memo_id(), out, fn_.adapter->memory_size(out));
  return out;
}

}  // namespace

namespace engine {

Boxed call(const FunctionSpec& fn, CallArgs args, const CallOptions& options,
           const std::function<Boxed()>& compute) {
  ResolvedCall r = resolve_call(fn, std::move(args), options);
  if (options.filepath_only) {
    std::string where;
    Call(fn, std::move(r), compute).run(&where);
    return Boxed::make<std::string>(std::move(where));
  }
  return Call(fn, std::move(r), compute).run(nullptr);
}

std::string uri(const FunctionSpec& fn, CallArgs args, const CallOptions& options,
                const std::function<Boxed()>& compute) {
  ResolvedCall r = resolve_call(fn, std::move(args), options);
  std::string where;
  Call(fn, std::move(r), compute).run(&where);
  return where;
}

}  // namespace engine

void clear_memoizer() { Memoizer::instance().clear(); }

}  // namespace nuthatch
