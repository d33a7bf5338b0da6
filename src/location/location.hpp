#pragma once
// A configured location (DESIGN §6) as an object: its name, its role in a call (the local
// level, the root, or a read-only mirror), the key it files entries under, and its entry
// stores: the default one and one per backend that overrides `filesystem` there.
//
// The engine finds and commits entries through a Location; the CLI lists, deletes,
// imports and collects garbage through it. Nothing above this layer compares location
// names or opens a driver itself. Locations are built once per configuration generation
// (Locations::current()); a location's stores open lazily, on first use, each under its
// own lock, so a slow driver (credentials read from a file) holds up no other location.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "meta/entry_store.hpp"

namespace nuthatch {

enum class LocationRole {
  local,   ///< this machine's level: entries under the memo key, processed results
  root,    ///< the shared root: entries under the cache key, raw results
  mirror,  ///< a read-only copy of a root, looked up after it
};

/// An entry found at a location, and the store that holds it.
struct LocatedEntry {
  std::shared_ptr<EntryStore> store;
  ManifestRecord record;
};

/// The descriptive fields of an entry about to be committed; the location fills in the
/// rest (entry id, payload, checksum, stamps). One place assembles manifests, for the
/// engine's writes and `nuthatch import` alike.
struct EntryDraft {
  std::string name;     ///< the function
  std::string ns;       ///< namespace ("_" when none)
  std::string key;      ///< the key this location files the entry under
  std::string backend;  ///< the entry's backend (kNullBackend for a null entry)
  std::string version;
  Value args = Value::object();  ///< the cache arguments only: other arguments never reach storage
  std::string code;
  std::map<std::string, std::string> code_components;
  double compute_seconds = -1;  ///< negative: not measured (imports, copies)
  std::vector<InputRef> inputs;
  /// The backend whose store holds the entry when it differs from `backend` (a null
  /// entry lives in the store of the backend the call asked for; "" = the default store).
  std::optional<std::string> store_backend;
  /// The payload may lack chunks that read as fill values (a tree registered by import).
  bool sparse = false;

  Manifest manifest() const;
  const std::string& store_selector() const { return store_backend ? *store_backend : backend; }
};

/// Where a tree payload goes.
struct TreePlace {
  PayloadLocation location;  ///< URL and options, for front ends that open it themselves
  Storage& storage;          ///< the store's storage
  std::string path;          ///< the payload's path there: its objects go under path + "/"
};

/// Where a committed value's bytes come from.
class PayloadSource {
 public:
  virtual ~PayloadSource() = default;
  /// Writes a tree payload itself (streaming, or copying an existing tree) and returns
  /// the bytes written; std::nullopt to have stored() encoded by the codec instead. Asked
  /// only for tree codecs. An exception removes what was written.
  virtual std::optional<std::uint64_t> write_tree(const TreePlace& place) {
    return std::nullopt;
  }
  /// The value to encode, of the codec's stored type.
  virtual Boxed stored() = 0;
};

/// What a lookup (Location::find) established besides the entry it returns.
struct LookupFacts {
  /// No value entry of the key: none of the backend asked for reads as an entry, or,
  /// when any backend was asked for, no store lists a value manifest of the key.
  bool no_value = false;
  /// No null entry of the key.
  bool no_null = false;
};

class Location {
 public:
  /// `overridden_backends`: backends with their own `filesystem` here.
  /// `layout`: how its entries are laid out (EntryLayout::nuthatch_0_4: the original
  /// Nuthatch's, read-only, its entries filed under the original's keys).
  Location(std::string name, LocationRole role, bool read_only,
           std::vector<std::string> overridden_backends,
           EntryLayout layout = EntryLayout::nuthatch);
  /// A location whose stores are given (the default store's spec first, then one per
  /// backend with storage of its own) rather than read from the configuration by name.
  Location(std::string name, LocationRole role, std::vector<config::LocationSpec> specs);

  const std::string& name() const { return name_; }
  LocationRole role() const { return role_; }
  bool is_mirror() const { return role_ == LocationRole::mirror; }
  /// Whether entries are filed under the memo key (all arguments) rather than the cache
  /// key (the cache arguments): the local level.
  bool uses_memo_key() const { return role_ == LocationRole::local; }
  /// Whether the configuration makes this location read-only (mirrors). A store may be
  /// read-only by its driver too (EntryStore::read_only()).
  bool read_only() const { return read_only_; }
  EntryLayout layout() const { return layout_; }
  /// Whether `nuthatch migrate` filed entries of the original Nuthatch here (its marker,
  /// legacy::kMigrationMarker, looked for once per configuration): calls that miss their
  /// own key then look for keys::migrated_key of their original key.
  bool holds_migrated_entries() const;
  /// Whether the location answers (one look at its top, once per configuration): false
  /// when its storage fails with a StorageError (a bucket that does not exist, a server
  /// that cannot be reached), with one warning. A configuration error is thrown.
  bool reachable() const;

  /// The store of `backend` ("" = the default store): its override when it has one.
  /// Opens the driver on first use. Throws ConfigError / StorageError.
  std::shared_ptr<EntryStore> store_for(const std::string& backend) const;
  /// Every distinct store, the default first, then each override with a URL of its own.
  std::vector<std::shared_ptr<EntryStore>> stores() const;

  /// The entry of (ns, key) for `backend`, else its null entry, in the store of
  /// `backend`. `backend` "" = whichever backend: `hint` is tried first (one read), then
  /// every store is listed: the newest value entry wins, else a null entry. `facts`, when
  /// given, receives what the lookup saw absent (a commit that follows need not look again).
  std::optional<LocatedEntry> find(const std::string& ns, const std::string& key,
                                   const std::string& backend, const std::string& hint = "",
                                   LookupFacts* facts = nullptr) const;

  /// Commits an entry in the store its backend selects. `payload` is nullptr for a null
  /// entry; `codec` is the backend's codec (nullptr for a null entry). `committed`, when
  /// given, receives the manifest as written. Throws StorageError for a read-only store.
  CommitOutcome commit(const EntryDraft& draft, const Codec* codec, PayloadSource* payload,
                       const Value& backend_kwargs, const CommitRules& rules,
                       Manifest* committed = nullptr) const;

  /// Every entry in every store of this location.
  std::vector<EntryInfo> list() const;

 private:
  struct Slot {
    std::string backend;  ///< "" = the default store
    std::optional<config::LocationSpec> spec;  ///< given, else config::location(name, backend)
    std::mutex mu;
    std::shared_ptr<EntryStore> store;
  };
  Slot& slot_for(const std::string& backend) const;
  std::shared_ptr<EntryStore> open(Slot& slot) const;

  std::string name_;
  LocationRole role_;
  bool read_only_;
  EntryLayout layout_;
  mutable std::once_flag migrated_once_;
  mutable bool holds_migrated_ = false;
  mutable std::once_flag reachable_once_;
  mutable bool reachable_ = true;
  std::vector<std::unique_ptr<Slot>> slots_;  // [0]: default; then the overrides
};

/// The configured locations of one configuration generation.
class Locations {
 public:
  /// The locations of the current configuration (rebuilt after any change: set_parameter,
  /// config_parameter, reset_config). Hold the pointer for the length of a call.
  static std::shared_ptr<const Locations> current();
  /// Locations made of `root` alone (it is also the local level; no mirrors): a call
  /// given CallOptions::location.
  static std::shared_ptr<const Locations> only(std::unique_ptr<Location> root);

  const Location& local() const { return *local_; }
  const Location& root() const { return *root_; }
  /// Mirrors, in lookup order.
  const std::vector<const Location*>& mirrors() const { return mirrors_; }
  /// Every location: local, root, then the mirrors.
  const std::vector<const Location*>& all() const { return all_; }
  /// The location named `name`; ConfigError naming the configured ones when unknown.
  const Location& named(const std::string& name) const;
  /// Whether a location is in the original Nuthatch's layout (calls then compute its key).
  bool has_legacy_layout() const { return has_legacy_layout_; }
  /// Whether a call must compute its original key: a location in the original's layout,
  /// or one holding migrated entries.
  bool may_hold_legacy_entries() const;

 private:
  Locations() = default;
  std::vector<std::unique_ptr<Location>> owned_;
  const Location* local_ = nullptr;
  const Location* root_ = nullptr;
  std::vector<const Location*> mirrors_;
  std::vector<const Location*> all_;
  bool has_legacy_layout_ = false;
};

}  // namespace nuthatch
