#pragma once
// Resolution of one call's effective options from the declaration, the call's options,
// the enclosing call's context and the configuration (DESIGN §4, §5).

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/context.hpp"
#include "engine/levels.hpp"
#include "location/location.hpp"
#include "nuthatch/engine.hpp"
#include "nuthatch/processor.hpp"

namespace nuthatch {

struct ResolvedCall {
  const FunctionSpec* fn = nullptr;
  bool cache = true;            ///< root / mirrors in play (cache=, cache_disable_if, keys)
  bool memo_keyable = true;     ///< every argument could be keyed
  std::string ns;               ///< "_" when none
  CacheMode mode = CacheMode::write;
  ModePolicy policy{};
  bool recompute = false;
  bool memoize = false;
  bool fail_if_no_cache = false;
  bool recompute_invalid = false;  ///< heal a recalled entry that fails validation
  bool retry_null_cache = false;
  OnStale on_stale = OnStale::warn;  ///< what a hit on a stale entry does
  bool stale_on_packages = false;    ///< third-party package versions are code components
  bool upsert = false;
  std::vector<std::string> upsert_keys;  ///< the columns that identify a row (upsert)
  std::optional<bool> force_overwrite;
  std::string backend;          ///< "" = decided by the stored entry / the result
  Value backend_kwargs = Value::object();
  /// Where computed results are written when it differs from `backend`, the backend they
  /// are read with (the original's storage_backend); "" = `backend`.
  std::string storage_backend;
  /// The kwargs of that write; when given (or with a storage_backend) they replace
  /// backend_kwargs for writing.
  Value storage_backend_kwargs = Value::object();
  std::string engine;
  std::vector<ProcessorPtr> processors;
  Arguments arguments;
  std::string cache_key;        ///< root and mirrors
  std::string memo_key;         ///< memoizer and local level
  /// The original Nuthatch's key (legacy_cache_key), for mirrors in its layout and
  /// locations holding migrated entries; nullopt when the original would not have cached
  /// the call, or no location needs it.
  std::optional<std::string> legacy_key;
  std::shared_ptr<CallContext::Frame> frame;  ///< context handed to nested calls
  /// The locations the call uses: CallOptions::location's alone, else the configured ones.
  std::shared_ptr<const Locations> locations;
};

/// Throws ConfigError / KeyError on invalid options; warns (and turns caching off) for
/// arguments that cannot be keyed.
ResolvedCall resolve_call(const FunctionSpec& fn, CallArgs args, const CallOptions& options);

// What a resolved call reads, shared by the call itself (recall.cpp) and the questions
// asked about its entry without running it (entries.cpp: status).

/// The levels the call reads, in order: the local level (a memoizable call's), then root
/// and its mirrors. A call given its location has it as both local and root: read once.
std::vector<const Location*> read_levels(const ResolvedCall& r);

/// The key the call is filed under at `location`; empty when it has none there (a
/// location in the original Nuthatch's layout, for a call the original would not have
/// cached).
const std::string& key_at(const ResolvedCall& r, const Location& location);

/// Whether the call leaves `location` out of its reads: a root it cannot reach and does
/// not write (as the original leaves out a location it cannot open); its mirrors answer.
bool skips_unreachable(const ResolvedCall& r, const Location& location);

/// Why the entry `m` is stale for this call: its code components that differ (packages
/// only with stale_on_packages), then its inputs replaced, deleted or stale upstream.
/// Empty when it is fresh; `input_missing` (when given) tells whether an input is gone.
std::vector<std::string> stale_reasons(const ResolvedCall& r, const Manifest& m,
                                       bool* input_missing = nullptr);

}  // namespace nuthatch
