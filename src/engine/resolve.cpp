#include "engine/resolve.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "common/log.hpp"
#include "engine/explicit_location.hpp"
#include "location/staleness.hpp"
#include "location/location.hpp"
#include "config/config.hpp"
#include "nuthatch/config.hpp"
#include "meta/manifest.hpp"
#include "nuthatch/keys.hpp"

namespace nuthatch {
namespace {

Value merge_objects(Value base, const Value& over) {
  if (!over.is_object()) return base;
  if (!base.is_object()) base = Value::object();
  for (const auto& [k, v] : over.members()) base[k] = v;
  return base;
}

// The `cache_mode` parameter, or std::nullopt when it is not set.
std::optional<CacheMode> configured_mode() {
  // Read on every call: cached per configuration generation.
  struct Cached {
    std::uint64_t generation;
    std::optional<CacheMode> mode;
  };
  thread_local Cached cached{~std::uint64_t{0}, std::nullopt};
  std::uint64_t g = config::generation();
  if (cached.generation == g) return cached.mode;
  std::optional<Value> v = get_parameter("cache_mode");
  std::optional<CacheMode> mode;
  if (v && !v->is_null() && config::is_set_by_user("cache_mode")) {
    if (!v->is_string()) throw ConfigError("parameter cache_mode must be a string");
    mode = parse_cache_mode(v->as<std::string>());
  }
  cached = {g, mode};
  return mode;
}

// The staleness settings of the configuration (`on_stale`, `stale_on_packages`), read on
// every call: cached per configuration generation.
struct StaleSettings {
  std::optional<OnStale> on_stale;
  bool packages = false;
};

StaleSettings configured_staleness() {
  struct Cached {
    std::uint64_t generation;
    StaleSettings settings;
  };
  thread_local Cached cached{~std::uint64_t{0}, {}};
  std::uint64_t g = config::generation();
  if (cached.generation == g) return cached.settings;
  StaleSettings s;
  if (std::optional<Value> v = get_parameter("on_stale"); v && !v->is_null()) {
    if (!v->is_string()) throw ConfigError("parameter on_stale must be a string");
    s.on_stale = parse_on_stale(v->string_ref());
  }
  if (std::optional<Value> v = get_parameter("stale_on_packages"); v && !v->is_null()) {
    if (!v->is_bool()) throw ConfigError("parameter stale_on_packages must be true or false");
    s.packages = v->as<bool>();
  }
  cached = {g, s};
  return s;
}

// The mode when neither the call nor the configuration names one: write, or, as the
// original Nuthatch, read_only_strict when the root cannot be reached (its mirrors are
// read; a miss is an error instead of a computation nobody could store).
CacheMode default_mode(const Locations& locations) {
  return locations.root().reachable() ? CacheMode::write : CacheMode::read_only_strict;
}

// Compares only the cache arguments, as the original Nuthatch: a rule's names that are
// not cache arguments are left out of it (so a rule naming none of them always matches).
bool disabled_by(const DisableIf& rules, const Arguments& args,
                 const std::vector<std::string>& cache_args) {
  for (const auto& rule : rules) {
    bool all = true;
    for (const auto& [name, allowed] : rule) {
      if (std::find(cache_args.begin(), cache_args.end(), name) == cache_args.end()) continue;
      const Value* v = args.find(name);
      if (v == nullptr || std::find(allowed.begin(), allowed.end(), *v) == allowed.end()) {
        all = false;
        break;
      }
    }
    if (all) return true;
  }
  return false;
}

// The arguments named in `names` (`in` = true) or not named there (`in` = false).
std::vector<std::pair<std::string, Value>> arguments_where(const Arguments& args,
                                                           const std::vector<std::string>& names,
                                                           bool in) {
  std::vector<std::pair<std::string, Value>> pairs;
  for (std::size_t i = 0; i < args.names.size(); ++i) {
    const bool named = std::find(names.begin(), names.end(), args.names[i]) != names.end();
    if (named == in) pairs.emplace_back(args.names[i], args.values[i]);
  }
  return pairs;
}

// The original Nuthatch's `chunk_by_arg` backend kwarg ({arg: {value: {dim: length}}}),
// with `chunking`: the chunking of the call's argument values updates `chunking` (later
// arguments win). An argument it names that the function lacks is an error, as there.
void apply_chunk_by_arg(const FunctionSpec& fn, const Arguments& arguments, Value& kwargs) {
  const Value* by_arg = kwargs.find("chunk_by_arg");
  const Value* chunking = kwargs.find("chunking");
  if (by_arg == nullptr || chunking == nullptr || !by_arg->is_object() ||
      !chunking->is_object()) {
    return;
  }
  Value merged = *chunking;
  for (const auto& [arg, by_value] : by_arg->members()) {
    const Value* value = arguments.find(arg);
    if (value == nullptr) {
      throw ConfigError(fmt::format("backend_kwargs chunk_by_arg of {} names '{}', which is not "
                                    "one of its arguments",
                                    fn.name, arg));
    }
    if (!by_value.is_object()) continue;
    const std::string text = value->is_string() ? value->as<std::string>() : render_key_value(*value);
    if (const Value* dims = by_value.find(text); dims != nullptr && dims->is_object()) {
      for (const auto& [dim, length] : dims->members()) merged[dim] = length;
    }
  }
  kwargs["chunking"] = std::move(merged);
}

}  // namespace

ResolvedCall resolve_call(const FunctionSpec& fn, CallArgs args, const CallOptions& o) {
  const CacheOptions& d = fn.options;
  const std::shared_ptr<CallContext::Frame>& parent = context::current();
  ResolvedCall r;
  r.fn = &fn;
  r.cache = o.cache.value_or(d.cache);
  std::string ns = o.ns.value_or(d.ns);
  if (!ns.empty()) validate_namespace(ns);
  r.ns = ns.empty() ? std::string(kNoNamespace) : ns;

  // Inherited from the enclosing calls unless this call sets them (DESIGN §5).
  auto frame = std::make_shared<CallContext::Frame>();
  frame->function = fn.name;
  // An enclosing call's cache_mode, when it set one, wins over the nested call's own, as
  // in the original Nuthatch (a top-level mode applies to the whole call tree).
  frame->cache_mode = parent && parent->cache_mode ? parent->cache_mode : o.cache_mode;
  frame->force_overwrite =
      o.force_overwrite ? o.force_overwrite : (parent ? parent->force_overwrite : std::nullopt);
  frame->retry_null_cache =
      o.retry_null_cache ? o.retry_null_cache : (parent ? parent->retry_null_cache : std::nullopt);
  // backend_kwargs, as in the original Nuthatch: the call's own, updated by the
  // decorator's (the decorator's win), then by the ones the top-level call was given
  // (handed down to every nested call).
  const Value own_kwargs = o.backend_kwargs ? *o.backend_kwargs : Value::object();
  frame->backend_kwargs = parent ? parent->backend_kwargs : own_kwargs;
  frame->recompute = o.recompute.propagates() ? o.recompute : (parent ? parent->recompute : FunctionSet());
  frame->memoize = o.memoize && o.memoize->propagates() ? *o.memoize
                                                        : (parent ? parent->memoize : FunctionSet());

  r.locations = o.location ? explicit_locations(*o.location) : Locations::current();
  if (frame->cache_mode) {
    r.mode = *frame->cache_mode;
  } else if (std::optional<CacheMode> configured = configured_mode()) {
    r.mode = *configured;
  } else {
    r.mode = o.location ? CacheMode::write : default_mode(*r.locations);
  }
  r.policy = policy_of(r.mode);
  // One given location, playing the root: modes that write the local level have none.
  if (o.location && r.policy.write_local) {
    throw ConfigError(fmt::format(
        "{}: cache mode {} writes the local level, which a call given its location has not "
        "(use write, overwrite, read_only, read_only_strict or off)",
        fn.name, to_string(r.mode)));
  }
  r.force_overwrite = frame->force_overwrite;
  r.retry_null_cache = frame->retry_null_cache.value_or(false);
  r.backend_kwargs = merge_objects(own_kwargs, d.backend_kwargs);
  if (parent) r.backend_kwargs = merge_objects(r.backend_kwargs, parent->backend_kwargs);
  // A selection given to this call applies to this function itself (whether or not it
  // names it); a propagated one applies when it names this function.
  auto selected = [&](const FunctionSet& own, const FunctionSet& inherited) {
    if (!own.empty()) return true;
    return parent && inherited.selects(fn.name, parent->function);
  };
  r.recompute = selected(o.recompute, parent ? parent->recompute : FunctionSet());
  // The call's own memoize= replaces the decorator's (False included); an enclosing
  // call's selection can only add to it, as in the original Nuthatch.
  r.memoize = (o.memoize ? !o.memoize->empty() : d.memoize) ||
              selected(FunctionSet(), parent ? parent->memoize : FunctionSet());
  r.fail_if_no_cache = o.fail_if_no_cache.value_or(d.fail_if_no_cache);
  r.recompute_invalid = o.recompute_invalid.value_or(d.recompute_invalid);
  const StaleSettings stale = configured_staleness();
  r.on_stale = o.on_stale.value_or(d.on_stale.value_or(stale.on_stale.value_or(OnStale::warn)));
  r.stale_on_packages = d.stale_on_packages || stale.packages;
  r.upsert = o.upsert.value_or(false);
  r.upsert_keys = d.upsert_keys;
  if (r.upsert && r.upsert_keys.empty()) {
    throw ConfigError(fmt::format("{}: upsert=True merges new rows into the stored table by the "
                                  "columns that identify a row; declare them with upsert_keys "
                                  "(e.g. upsert_keys=['id'])",
                                  fn.name));
  }
  r.backend = o.backend.value_or(d.backend);
  if (r.backend.empty()) r.backend = fn.adapter->default_backend();
  r.engine = o.engine.value_or(d.engine);
  // storage_backend, as in the original: results are read with `backend` and written with
  // `storage_backend`, with its own kwargs (the call's, updated by the decorator's).
  // Given without a storage_backend, the kwargs go to the backend the result is written
  // with, as the original's.
  r.storage_backend = o.storage_backend.value_or(d.storage_backend);
  r.storage_backend_kwargs =
      merge_objects(o.storage_backend_kwargs ? *o.storage_backend_kwargs : Value::object(),
                    d.storage_backend_kwargs);
  r.processors = d.processors;
  if (!o.post_processors.empty()) {
    r.processors.insert(r.processors.end(), o.post_processors.begin(), o.post_processors.end());
  }

  r.arguments.names = fn.params;
  r.arguments.values = std::move(args.values);
  for (const auto& p : r.processors) p->process_arguments(r.arguments);
  apply_chunk_by_arg(fn, r.arguments, r.backend_kwargs);

  for (const std::string& bad : args.unkeyable) {
    r.memo_keyable = false;
    bool keys_entry = std::find(d.cache_args.begin(), d.cache_args.end(), bad) != d.cache_args.end();
    if (keys_entry && r.cache) {
      log::warn(fmt::format("argument '{}' of {} cannot be turned into a cache key; caching is off "
                            "for this call",
                            bad, fn.name));
      r.cache = false;
    }
  }
  if (r.cache && disabled_by(d.cache_disable_if, r.arguments, d.cache_args)) r.cache = false;

  r.cache_key = make_key(fn.name, arguments_where(r.arguments, d.cache_args, true));
  if (r.cache && r.locations->may_hold_legacy_entries()) {
    r.legacy_key = legacy_cache_key(fn.name, arguments_where(r.arguments, d.cache_args, true));
  }
  // The memo key keys the memoizer and the local level only: the cache key and a hash of
  // the other arguments, whose values stay out of every path and manifest.
  bool memo_needed = r.memoize || r.policy.read_local || r.policy.write_local;
  if (r.memo_keyable && memo_needed) {
    r.memo_key = local_key(r.cache_key, arguments_where(r.arguments, d.cache_args, false));
  }
  r.frame = std::move(frame);
  return r;
}

std::vector<const Location*> read_levels(const ResolvedCall& r) {
  std::vector<const Location*> levels;
  if (r.policy.read_local && r.memo_keyable) levels.push_back(&r.locations->local());
  if (r.policy.read_global && r.cache) {
    if (levels.empty() || levels.back() != &r.locations->root()) levels.push_back(&r.locations->root());
    levels.insert(levels.end(), r.locations->mirrors().begin(), r.locations->mirrors().end());
  }
  return levels;
}

const std::string& key_at(const ResolvedCall& r, const Location& location) {
  static const std::string kNone;
  if (location.layout() == EntryLayout::nuthatch_0_4) return r.legacy_key ? *r.legacy_key : kNone;
  return location.uses_memo_key() ? r.memo_key : r.cache_key;
}

bool skips_unreachable(const ResolvedCall& r, const Location& location) {
  return location.role() == LocationRole::root && !r.policy.write_root && !location.reachable();
}

std::vector<std::string> stale_reasons(const ResolvedCall& r, const Manifest& m,
                                       bool* input_missing) {
  std::vector<std::string> reasons;
  // Equal digests: equal components (package versions aside), the common case.
  if (m.code != r.fn->code || r.stale_on_packages) {
    reasons = staleness::code_changes(m.code_components, r.fn->code_components,
                                      r.stale_on_packages);
  }
  staleness::Verdict upstream = staleness::upstream(m, *r.locations);
  reasons.insert(reasons.end(), upstream.reasons.begin(), upstream.reasons.end());
  if (input_missing != nullptr) *input_missing = upstream.input_missing;
  return reasons;
}

}  // namespace nuthatch
