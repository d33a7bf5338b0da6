#pragma once
/// Cache modes and the decorator / per-call options (DESIGN §4, §5). Both option structs
/// are aggregates with their members in the documented order, so designated
/// initialisers work: nh::CallOptions{.cache_mode = nh::CacheMode::overwrite}.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nuthatch/value.hpp"

namespace nuthatch {

class Processor;
using ProcessorPtr = std::shared_ptr<const Processor>;

/// Where a call reads and writes; see the table in DESIGN §4.
enum class CacheMode {
  write,             ///< default: read root + mirrors, write root, ask before replacing
  overwrite,         ///< read root + mirrors, write root, replace without asking
  read_only,         ///< read local, root, mirrors; never write
  read_only_strict,  ///< as read_only, but a miss is a CacheMissError
  local,             ///< read local, root, mirrors; write local
  local_overwrite,   ///< as local, replacing without asking
  local_sync,        ///< read root + mirrors (not local), write local, replace
  local_strict,      ///< read and write local only (alias: offline)
  local_api,         ///< read everywhere, write local; a miss is a CacheMissError
  off,               ///< no caching at all
};
inline constexpr CacheMode offline = CacheMode::local_strict;

/// Parses a mode name ("write", "local_sync", "offline", ...). Throws ConfigError naming
/// the unknown value and listing the valid ones.
CacheMode parse_cache_mode(std::string_view name);
std::string_view to_string(CacheMode mode);

/// What a hit on a stale entry does (DESIGN §4 Staleness): an entry whose recorded code
/// components differ from the function's current ones, or one of whose inputs has been
/// replaced, deleted or is stale itself. Built from a policy (`nh::OnStale::fail`) or,
/// as in Python and the configuration, from its name (`"fail"`; ConfigError for another).
class OnStale {
 public:
  enum Policy {
    warn,       ///< default: return the entry, log one warning naming what changed
    recompute,  ///< compute again and replace the entry (as an entry of another version)
    ignore,     ///< return the entry, say nothing
    fail,       ///< throw StaleEntryError naming what changed
  };
  constexpr OnStale(Policy policy = warn) : policy_(policy) {}
  OnStale(std::string_view name);
  OnStale(const char* name) : OnStale(std::string_view(name)) {}
  OnStale(const std::string& name) : OnStale(std::string_view(name)) {}
  constexpr Policy policy() const { return policy_; }
  friend constexpr bool operator==(OnStale a, OnStale b) { return a.policy_ == b.policy_; }

 private:
  Policy policy_;
};

/// Parses "warn", "recompute", "ignore" or "fail"; ConfigError names any other value.
OnStale parse_on_stale(std::string_view name);
std::string_view to_string(OnStale policy);

/// A selection of function names: none, "this function", a list, or all (nested too).
/// Converts from bool (true = this function only) and from a name.
class FunctionSet {
 public:
  FunctionSet() = default;
  FunctionSet(bool self) : self_(self) {}
  FunctionSet(const char* name) : names_{name} {}
  FunctionSet(std::string name) : names_{std::move(name)} {}
  static FunctionSet names(std::vector<std::string> names) {
    FunctionSet s;
    s.names_ = std::move(names);
    return s;
  }
  static FunctionSet all() {
    FunctionSet s;
    s.all_ = true;
    return s;
  }
  bool empty() const { return !self_ && !all_ && names_.empty(); }
  bool is_all() const { return all_; }
  bool is_self() const { return self_; }
  const std::vector<std::string>& name_list() const { return names_; }
  /// Whether `function` is selected, given the name of the function the option was
  /// passed to (`self`).
  bool selects(std::string_view function, std::string_view self) const;
  /// Whether this selection reaches nested calls (a list or all).
  bool propagates() const { return all_ || !names_.empty(); }

 private:
  bool self_ = false;
  bool all_ = false;
  std::vector<std::string> names_;
};

/// `recompute=`: True, a name, a list of names or all ('_all' in Python).
using Recompute = FunctionSet;
/// `memoize=` per call: True, a name, a list of names or all.
using Memoize = FunctionSet;

/// `cache_disable_if`: caching is off when, for any one map, every listed argument equals
/// one of the listed values.
using DisableIf = std::vector<std::map<std::string, std::vector<Value>>>;

/// Decorator options, fixed when a function is declared cached.
struct CacheOptions {
  bool cache = true;
  std::string ns;                    ///< namespace ("" = none)
  std::string version;               ///< entries of another version are invisible
  std::vector<std::string> cache_args;  ///< arguments that key the entry
  DisableIf cache_disable_if;
  bool fail_if_no_cache = false;
  std::string engine;                ///< read type hint (Python: pandas / dask ...)
  std::string backend;               ///< "" = the result type's default
  Value backend_kwargs = Value::object();
  std::string storage_backend;       ///< "" = the configured filesystem
  Value storage_backend_kwargs = Value::object();
  bool memoize = false;
  std::vector<std::string> upsert_keys;
  std::vector<ProcessorPtr> processors;
  /// A recalled entry that fails validation is recomputed and replaced; false (the
  /// default, as the original Nuthatch): the call throws ValidationError.
  bool recompute_invalid = false;
  /// Unset: the `on_stale` parameter of the configuration, else OnStale::warn.
  std::optional<OnStale> on_stale;
  /// The version of the function's code, a component of its code fingerprint. C++ cannot
  /// read a function's source: set it, e.g., to a hash of the source file made at build
  /// time. An entry recorded with another code_version is stale.
  std::string code_version;
  /// Whether a changed version of a third-party package the function uses makes its
  /// entries stale (Python records them; otherwise they are only listed). Also the
  /// `stale_on_packages` parameter of the configuration.
  bool stale_on_packages = false;
};

/// Per-call options; unset members fall back to the decorator's and then to the
/// enclosing call's (for the inherited ones, see DESIGN §5).
struct CallOptions {
  std::optional<bool> cache;
  std::optional<std::string> ns;
  std::optional<CacheMode> cache_mode;
  Recompute recompute;
  /// Unset: the decorator's memoize (or an enclosing call's selection); false turns it
  /// off for this call even when the decorator memoizes, as in the original Nuthatch.
  std::optional<Memoize> memoize;
  std::optional<std::string> engine;
  std::optional<std::string> backend;
  std::optional<Value> backend_kwargs;
  std::optional<std::string> storage_backend;
  std::optional<Value> storage_backend_kwargs;
  bool filepath_only = false;
  std::optional<bool> retry_null_cache;
  std::optional<bool> fail_if_no_cache;
  std::optional<bool> upsert;
  std::optional<bool> force_overwrite;
  std::vector<ProcessorPtr> post_processors;
  std::optional<bool> recompute_invalid;  ///< overrides CacheOptions::recompute_invalid
  /// A location given by its own configuration table instead of the configured ones (the
  /// original Nuthatch's `Cache(config, ...)`): `filesystem`, optional
  /// `filesystem_options`, and per-backend tables overriding them (`{"zarr": {"filesystem":
  /// ...}}`). The call then reads and writes only there: no local level, no mirrors.
  std::optional<Value> location;
  std::optional<OnStale> on_stale;  ///< overrides CacheOptions::on_stale
};

}  // namespace nuthatch
