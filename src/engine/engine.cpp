// engine::call: one cached call, end to end. This file holds the order; recall.cpp reads
// a level, store.cpp writes one, location/ knows where entries live.
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
#include <fmt/ranges.h>

#include <chrono>

#include "common/log.hpp"
#include "engine/call.hpp"
#include "engine/context.hpp"
#include "memo/memoizer.hpp"
#include "nuthatch/engine.hpp"

namespace nuthatch {

Call::Call(const FunctionSpec& fn, ResolvedCall r, const std::function<Boxed()>& compute)
    : fn_(fn), r_(std::move(r)), compute_(compute), locations_(r_.locations) {
  if (r_.processors.size() == 1) range_ = r_.processors.front()->read_range(r_.arguments);
}

std::string Call::memo_id() const {
  return fmt::format("{}|{}|{}|{}", r_.ns, r_.memo_key, r_.backend, fn_.options.version);
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

void Call::note_input(const std::string& location, const Manifest& m) const {
  const auto& parent = context::current();
  if (!parent || !parent->lineage) return;
  parent->lineage->add({m.ns, m.key, m.backend, m.entry_id, location});
}

// Where the call's entry lives: the one written, else the one read, else where it would
// be written (its manifest folder).
std::string Call::uri(const std::optional<Found>& found) const {
  if (!written_uri_.empty()) return written_uri_;
  if (found) return found->store->payload_url(found->record->manifest);
  const Location& level = r_.policy.write_local && !r_.policy.write_root ? locations_->local()
                                                                         : locations_->root();
  auto store = level.store_for(r_.backend);
  return store->storage().url_of(manifest_dir(r_.ns, key_at(r_, level)));
}

Boxed Call::run(std::string* uri_out) {
  Memoizer& memo = Memoizer::instance();
  // Memoized whatever the cache mode (off included), as the original Nuthatch. A call
  // given its location is not: the memoizer's ids name no location.
  const bool use_memo = r_.memoize && r_.memo_keyable &&
                        &r_.locations->local() != &r_.locations->root();
  if (use_memo && !r_.recompute && !r_.upsert && uri_out == nullptr) {
    if (auto hit = memo.get(memo_id())) {
      log::info(fmt::format("found '{}' (namespace {}) in memory", r_.cache_key, r_.ns));
      return *hit;
    }
  }

  std::optional<Found> found;
  uri_only_ = uri_out != nullptr;
  if (!r_.recompute && !r_.upsert) {
    for (const Location* level : read_levels(r_)) {
      found = lookup(*level);
      if (!found) continue;
      if (uri_only_) {  // its path, as found: nothing read, validated or copied
        *uri_out = uri(found);
        return Boxed();
      }
      if (valid(found->value)) break;
      if (!r_.recompute_invalid) {
        throw ValidationError(fmt::format(
            "the entry '{}' of {} at {} fails validation for this call (it does not cover "
            "it); recompute it (recompute=True), or pass recompute_invalid=True to recompute "
            "and replace such entries",
            found->record->manifest.key, fn_.name, level->name()));
      }
      log::warn(fmt::format("entry '{}' at {} does not cover this call ({}): recomputing",
                            found->record->manifest.key, level->name(), fn_.name));
      mark_stale(*level);
      found.reset();
    }
  }

  Boxed result;
  const bool computed = !found;
  if (found) {
    result = found->value;
    note_input(found->location->name(), found->record->manifest);
    if (log::enabled(log::Level::info)) {
      const Manifest& m = found->record->manifest;
      log::info(fmt::format("found cache for '{}' (namespace {}) with backend {} in {}", m.key,
                            m.ns, m.backend, found->location->name()));
    }
  } else {
    const bool strict = !r_.policy.compute || (r_.fail_if_no_cache && r_.cache);
    if (strict && r_.mode != CacheMode::off) {
      std::vector<std::string> levels;
      for (const Location* level : read_levels(r_)) levels.push_back(level->name());
      throw CacheMissError(fmt::format(
          "no cache entry for key '{}' (namespace {}) in [{}]; cache mode {}{} does not compute",
          r_.cache_key, r_.ns, fmt::join(levels, ", "), to_string(r_.mode),
          r_.fail_if_no_cache ? " with fail_if_no_cache" : ""));
    }
    if (log::enabled(log::Level::info)) {
      log::info(fmt::format("no cache for '{}' (namespace {}){}: running {}", r_.cache_key,
                            r_.ns, r_.recompute ? " (recompute requested)" : "", fn_.name));
    }
    {
      r_.frame->lineage = std::make_shared<Lineage>();
      context::Push in(r_.frame);
      const auto started = std::chrono::steady_clock::now();
      result = compute_();
      compute_seconds_ =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    }
    if (!valid(result)) {
      throw ValidationError(fmt::format("the result computed by {} for key '{}' fails validation",
                                        fn_.name, r_.cache_key));
    }
  }

  // Root holds the raw result; local the processed one.
  const Location& root = locations_->root();
  const Location& local = locations_->local();
  if (r_.policy.write_root && (computed || found->location != &root || stores_elsewhere(*found))) {
    write(root, result, found);
  }
  // An upsert returns the merged table; a dask-backed result just written is returned as
  // stored (its graph not computed again).
  if (computed && upserted_) {
    result = std::move(*upserted_);
  } else if (computed && written_value_) {
    result = std::move(*written_value_);
  }
  // (A call given its location has no local level: there local is the root.)
  const bool found_processed =
      found && found->location == &local && local.role() == LocationRole::local;
  Boxed out = found_processed ? result : process(result);
  if (r_.policy.write_local && (computed || found->location != &local || stores_elsewhere(*found))) {
    write(local, out, found);
  }

  if (uri_out != nullptr) *uri_out = uri(found);
  if (use_memo && !out.empty()) {
    out = fn_.adapter->for_memory(out);
    memo.put(memo_id(), out, fn_.adapter->memory_size(out), fn_.adapter->memory_pool(out));
  }
  return out;
}

Boxed ResultAdapter::upsert(const Boxed&, const Boxed&, const std::vector<std::string>&) const {
  throw ConfigError("upsert merges rows into a stored table; results of this type are not tables");
}

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

std::vector<std::pair<std::string, std::size_t>> memoized_sizes(MemoryPool pool) {
  return Memoizer::instance().sizes(pool);
}

}  // namespace nuthatch
