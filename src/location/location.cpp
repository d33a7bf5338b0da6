#include "location/location.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "common/log.hpp"
#include "config/config.hpp"
#include "config/params.hpp"
#include "meta/legacy_layout.hpp"
#include "nuthatch/config.hpp"

namespace nuthatch {

Manifest EntryDraft::manifest() const {
  Manifest m;
  m.name = name;
  m.ns = ns;
  m.key = key;
  m.backend = backend;
  m.version = version;
  m.args = args;
  m.code = code;
  m.code_components = code_components;
  m.compute_seconds = compute_seconds;
  m.inputs = inputs;
  m.sparse = sparse;
  return m;
}

Location::Location(std::string name, LocationRole role, bool read_only,
                   std::vector<std::string> overridden_backends, EntryLayout layout)
    : name_(std::move(name)), role_(role), read_only_(read_only), layout_(layout) {
  slots_.push_back(std::make_unique<Slot>());
  for (std::string& backend : overridden_backends) {
    auto slot = std::make_unique<Slot>();
    slot->backend = std::move(backend);
    slots_.push_back(std::move(slot));
  }
}

Location::Location(std::string name, LocationRole role, std::vector<config::LocationSpec> specs)
    : name_(std::move(name)), role_(role), read_only_(false), layout_(EntryLayout::nuthatch) {
  for (config::LocationSpec& spec : specs) {
    auto slot = std::make_unique<Slot>();
    slot->backend = spec.backend;
    read_only_ = read_only_ || (slot->backend.empty() && spec.read_only);
    slot->spec = std::move(spec);
    slots_.push_back(std::move(slot));
  }
  if (slots_.empty() || !slots_.front()->backend.empty()) {
    throw ConfigError(fmt::format("location '{}' needs the spec of its default store first", name_));
  }
}

Location::Slot& Location::slot_for(const std::string& backend) const {
  if (!backend.empty()) {
    for (const auto& slot : slots_) {
      if (slot->backend == backend) return *slot;
    }
  }
  return *slots_.front();
}

std::shared_ptr<EntryStore> Location::open(Slot& slot) const {
  // Once per slot, under the slot's own lock: no other location's calls wait on it. An
  // exception (bad configuration, a driver that cannot start) leaves the slot unopened:
  // the next use tries again.
  std::lock_guard lock(slot.mu);
  if (!slot.store) {
    config::LocationSpec spec = slot.spec ? *slot.spec : config::location(name_, slot.backend);
    slot.store = std::make_shared<EntryStore>(StorageRegistry::open(spec.url, spec.options),
                                              name_, read_only_ || spec.read_only, spec.options,
                                              layout_);
  }
  return slot.store;
}

bool Location::holds_migrated_entries() const {
  std::call_once(migrated_once_, [&] {
    if (layout_ != EntryLayout::nuthatch) return;
    try {
      holds_migrated_ = store_for("")->storage().stat(std::string(legacy::kMigrationMarker)).has_value();
    } catch (const Error&) {
      // Unreachable or misconfigured: the call's own lookup there reports it.
    }
  });
  return holds_migrated_;
}

bool Location::reachable() const {
  std::call_once(reachable_once_, [&] {
    try {
      store_for("")->storage().read(std::string(kStoreMarker));
    } catch (const StorageError& e) {
      reachable_ = false;
      log::warn(fmt::format("location {} cannot be reached ({}); calls that name no cache mode "
                            "read the mirrors only (read_only_strict)",
                            name_, e.what()));
    }
  });
  return reachable_;
}

std::shared_ptr<EntryStore> Location::store_for(const std::string& backend) const {
  return open(slot_for(backend));
}

std::vector<std::shared_ptr<EntryStore>> Location::stores() const {
  std::vector<std::shared_ptr<EntryStore>> out;
  std::set<std::string> urls;
  for (const auto& slot : slots_) {
    std::shared_ptr<EntryStore> store = open(*slot);
    if (urls.insert(store->url()).second) out.push_back(std::move(store));
  }
  return out;
}

namespace {

std::optional<LocatedEntry> find_in(const std::shared_ptr<EntryStore>& store,
                                    const std::string& ns, const std::string& key,
                                    const std::string& backend) {
  std::optional<ManifestRecord> rec = store->find(ns, key, backend);
  if (!rec) return std::nullopt;
  return LocatedEntry{store, std::move(*rec)};
}

}  // namespace

namespace {

// The filesystems listed in the root's `skipped_filesystems` (as the original Nuthatch:
// ~/.nuthatch.toml's [tool.nuthatch] list, which nuthatch.config.set_global_skipped_filesystem
// extends, or any other source). Throws ConfigError unless it is a list of texts.
std::set<std::string> skipped_filesystems() {
  std::optional<Value> listed = get_parameter("skipped_filesystems");
  std::set<std::string> out;
  if (!listed || listed->is_null()) return out;
  const auto bad = [] {
    return ConfigError("parameter 'skipped_filesystems' must be a list of filesystems (texts "
                       "such as \"gs://bucket/caches\")");
  };
  if (!listed->is_array()) throw bad();
  for (const Value& item : listed->array_items()) {
    if (!item.is_string()) throw bad();
    out.insert(item.as<std::string>());
  }
  return out;
}

// Whether mirror `name` is on a skipped filesystem: it is then left out of the lookups.
bool is_skipped_mirror(const std::string& name, const std::set<std::string>& skipped) {
  if (skipped.empty()) return false;
  std::optional<Value> filesystem = get_parameter("filesystem", name);
  return filesystem && filesystem->is_string() && skipped.contains(filesystem->as<std::string>());
}

}  // namespace

std::optional<LocatedEntry> Location::find(const std::string& ns, const std::string& key,
                                           const std::string& backend, const std::string& hint,
                                           LookupFacts* facts) const {
  LookupFacts seen;
  if (facts == nullptr) facts = &seen;
  *facts = LookupFacts{};
  if (!backend.empty()) {
    std::shared_ptr<EntryStore> store = store_for(backend);
    if (auto found = find_in(store, ns, key, backend)) return found;
    facts->no_value = true;
    std::optional<LocatedEntry> null_entry = find_in(store, ns, key, std::string(kNullBackend));
    facts->no_null = !null_entry;
    return null_entry;
  }
  if (!hint.empty()) {
    if (auto found = find_in(store_for(hint), ns, key, hint)) return found;
  }
  // A value entry wins over a null entry of the same key (a crash between a commit's swap
  // and its cleanup can leave both: meta/entry_store.cpp, invariant 8); among values, the
  // newest entry id.
  std::optional<LocatedEntry> best;
  std::shared_ptr<EntryStore> null_store;
  bool value_listed = false;
  for (const std::shared_ptr<EntryStore>& store : stores()) {
    for (const std::string& b : store->backends(ns, key)) {
      if (b == kNullBackend) {
        if (!null_store) null_store = store;
        continue;
      }
      value_listed = true;
      std::optional<LocatedEntry> found = find_in(store, ns, key, b);
      if (found && (!best || found->record.manifest.entry_id > best->record.manifest.entry_id)) {
        best = std::move(found);
      }
    }
  }
  facts->no_null = !null_store;
  // A listed manifest that does not read as an entry still counts: a commit must look.
  facts->no_value = !value_listed;
  if (!best && null_store) best = find_in(null_store, ns, key, std::string(kNullBackend));
  return best;
}

namespace {

class NoPayload final : public PayloadSource {
 public:
  Boxed stored() override { return Boxed(); }
};

}  // namespace

CommitOutcome Location::commit(const EntryDraft& draft, const Codec* codec,
                               PayloadSource* payload, const Value& backend_kwargs,
                               const CommitRules& rules, Manifest* committed) const {
  std::shared_ptr<EntryStore> store = store_for(draft.store_selector());
  Manifest m = draft.manifest();
  if (payload == nullptr || codec == nullptr) {  // a null entry
    return store->commit(std::move(m), Boxed(), nullptr, backend_kwargs, rules, committed);
  }
  if (!codec->single_file()) {  // the source may write the tree itself
    Manifest prepared = m;
    store->prepare(prepared, codec);
    std::optional<std::uint64_t> bytes;
    try {
      bytes = payload->write_tree(
          TreePlace{store->payload_location(prepared), store->storage(), prepared.payload});
      // The source may have written files itself (a library, straight into a local
      // directory): durable before the manifest names them.
      if (bytes) store->storage().make_durable(prepared.payload);
    } catch (...) {
      // A partial tree is nobody's payload.
      try {
        store->storage().remove_prefix(prepared.payload + "/");
      } catch (const Error&) {
        // gc collects it as an orphan.
      }
      throw;
    }
    if (bytes) {
      prepared.bytes = *bytes;
      return store->publish(std::move(prepared), rules, committed);
    }
  }
  return store->commit(std::move(m), payload->stored(), codec, backend_kwargs, rules, committed);
}

std::vector<EntryInfo> Location::list() const {
  std::vector<EntryInfo> out;
  for (const std::shared_ptr<EntryStore>& store : stores()) {
    std::vector<EntryInfo> entries = store->list();
    out.insert(out.end(), std::make_move_iterator(entries.begin()),
               std::make_move_iterator(entries.end()));
  }
  return out;
}

bool Locations::may_hold_legacy_entries() const {
  if (has_legacy_layout_) return true;
  return std::any_of(all_.begin(), all_.end(),
                     [](const Location* l) { return l->holds_migrated_entries(); });
}

std::shared_ptr<const Locations> Locations::current() {
  struct Cache {
    std::mutex mu;
    std::uint64_t generation = ~std::uint64_t{0};
    std::shared_ptr<const Locations> locations;
  };
  static Cache* cache = new Cache();  // never destroyed: used at exit
  const std::uint64_t generation = config::generation();
  {
    std::lock_guard lock(cache->mu);
    if (cache->generation == generation) return cache->locations;
  }
  // Built outside the lock (reads configuration; opens no driver).
  std::shared_ptr<Locations> built(new Locations());
  const std::set<std::string> skipped = skipped_filesystems();
  for (const std::string& name : config::location_names()) {
    const LocationRole role = name == config::kLocalLocation  ? LocationRole::local
                              : name == config::kRootLocation ? LocationRole::root
                                                              : LocationRole::mirror;
    if (role == LocationRole::mirror && is_skipped_mirror(name, skipped)) continue;
    const EntryLayout layout =
        config::uses_legacy_layout(name) ? EntryLayout::nuthatch_0_4 : EntryLayout::nuthatch;
    auto location = std::make_unique<Location>(name, role, role == LocationRole::mirror,
                                               config::overridden_backends(name), layout);
    const Location* raw = location.get();
    built->has_legacy_layout_ |= layout == EntryLayout::nuthatch_0_4;
    built->owned_.push_back(std::move(location));
    switch (role) {
      case LocationRole::local: built->local_ = raw; break;
      case LocationRole::root: built->root_ = raw; break;
      case LocationRole::mirror: built->mirrors_.push_back(raw); break;
    }
  }
  built->all_ = {built->local_, built->root_};
  built->all_.insert(built->all_.end(), built->mirrors_.begin(), built->mirrors_.end());
  std::lock_guard lock(cache->mu);
  if (config::generation() == generation) {  // else the configuration changed meanwhile
    cache->generation = generation;
    cache->locations = built;
  }
  return built;
}

std::shared_ptr<const Locations> Locations::only(std::unique_ptr<Location> root) {
  std::shared_ptr<Locations> built(new Locations());
  built->root_ = built->local_ = root.get();
  built->all_ = {root.get()};
  built->owned_.push_back(std::move(root));
  return built;
}

const Location& Locations::named(const std::string& name) const {
  for (const Location* location : all_) {
    if (location->name() == name) return *location;
  }
  std::vector<std::string> names;
  for (const Location* location : all_) names.push_back(location->name());
  throw ConfigError(fmt::format("unknown location '{}' (configured: {})", name,
                                fmt::join(names, ", ")));
}

}  // namespace nuthatch
