// The commit protocol (DESIGN §3). Invariants, in order:
//  1. A payload is written under a fresh entry id and never modified afterwards; small
//     single-file payloads are inlined in the manifest instead (one read per hit).
//  2. Paths are derived, never trusted: a manifest is valid only where it lies (its
//     namespace, key and backend are those of its path) and only when its payload is the
//     path derived from those fields and its entry id (parse_manifest_at). Whatever else
//     is stored there is a miss for readers and is replaced by the next commit; it never
//     names anything that is read, retired or deleted.
//  3. The manifest is the commit point: it is written last, atomically, with a
//     compare-and-swap on the generation the committer saw (if_absent when it saw none).
//     Readers therefore see the old entry or the new one, never a mix. A manifest of a
//     newer format is never overwritten (NewerFormatError → the commit fails).
//  4. A payload that a manifest named is never deleted by a commit: it is *retired*.
//     Before the swap, a retirement marker (retired/<ns>/<key>/<payload name>.json) is
//     written for the payload about to be replaced, so even a crash right after the swap
//     leaves the marker behind. Readers that opened the old payload, eagerly or lazily,
//     in any process, keep reading it; `nuthatch gc` reclaims it once its marker is older
//     than the grace period. A marker for a payload still named by a manifest (a swap
//     that lost its race) is ignored by gc.
//  5. A payload written for a swap that did not happen was never visible: it is deleted
//     at once.
//  6. Payloads the engine writes hold every chunk, so a reader of an entry treats a
//     missing chunk as damage (an error), never as fill values; only `sparse` entries
//     (imported stores) read missing chunks as the fill value.
//  7. A tree payload (zarr) has no single checksum: the reader re-checks that the
//     manifest's generation did not change while it read the tree, and follows the new
//     manifest when it did.
//  8. A value entry and a null entry of one key exclude each other. Committing a null
//     entry removes the value entries first; committing a value removes the null entry
//     after the swap. So a crash leaves at most a value entry beside a null one written
//     earlier, and every reader resolves that by one rule: a value entry wins over a null
//     entry (the engine's lookup). The next commit of the key repairs it.
//  9. Once the swap succeeded, nothing after it fails the call: cleanup failures are
//     warnings and leave work for `nuthatch gc`.
// 10. A crash at any point leaves the old entry or the new one current; payloads that no
//     manifest names and no marker retires are orphans, removed by gc after the grace.

#include "meta/entry_store.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "common/hash.hpp"
#include "common/ids.hpp"
#include "common/json.hpp"
#include "common/time.hpp"
#include "common/log.hpp"
#include "meta/legacy_layout.hpp"
#include "nuthatch/config.hpp"

namespace nuthatch {
namespace {
constexpr int kReadAttempts = 4;
constexpr int kCommitAttempts = 32;

constexpr std::string_view kMissingChunks = "missing_chunks";

// Invariant 6: an entry's own payload holds every chunk unless it is sparse.
std::string_view missing_chunks_rule(const Manifest& m) { return m.sparse ? "fill" : "error"; }

Value with_missing_chunks(const Value& kwargs, const Manifest& m) {
  if (kwargs.is_object() && kwargs.contains(std::string(kMissingChunks))) return kwargs;
  Value out = kwargs.is_object() ? kwargs : Value::object();
  out[std::string(kMissingChunks)] = std::string(missing_chunks_rule(m));
  return out;
}

std::string describe(const Manifest& m, const std::string& location, const std::string& url) {
  return fmt::format("entry '{}' (namespace {}, backend {}) at {} ({})", m.key, m.ns, m.backend,
                     location, url);
}
}  // namespace

EntryStore::EntryStore(StoragePtr storage, std::string location, bool read_only,
                       Value storage_options, EntryLayout layout)
    : storage_(std::move(storage)),
      location_(std::move(location)),
      read_only_(read_only),
      storage_options_(std::move(storage_options)),
      layout_(layout) {}

ManifestSlot EntryStore::inspect(const std::string& ns, const std::string& key,
                                 const std::string& backend) const {
  if (layout_ == EntryLayout::nuthatch_0_4) {
    return ManifestSlot{.record = legacy::find(*storage_, ns, key, backend),
                        .unreadable_generation = {},
                        .newer_format = false,
                        .problem = {}};
  }
  const std::string path = manifest_path(ns, key, backend);
  // The generation is never newer than the text (Storage::read_versioned): if the
  // manifest is replaced meanwhile, a compare-and-swap against it fails safely (the
  // writer re-reads), and a tree read validated against it is retried (invariant 7).
  std::optional<VersionedObject> object = storage_->read_versioned(path);
  ManifestSlot slot;
  if (!object) return slot;
  try {
    slot.record = ManifestRecord{parse_manifest_at(object->data, path, storage_->url_of(path)),
                                 std::move(object->generation)};
  } catch (const NewerFormatError& e) {
    slot.newer_format = true;
    slot.problem = e.what();
    slot.unreadable_generation = std::move(object->generation);
  } catch (const CodecError& e) {
    slot.problem = e.what();
    slot.unreadable_generation = std::move(object->generation);
  }
  return slot;
}

std::optional<ManifestRecord> EntryStore::find(const std::string& ns, const std::string& key,
                                               const std::string& backend) const {
  ManifestSlot slot = inspect(ns, key, backend);
  if (!slot.problem.empty()) {
    log::warn(fmt::format("treating key '{}' at {} as a miss: {}", key, location_, slot.problem));
  }
  return std::move(slot.record);
}

std::optional<Manifest> EntryStore::manifest_at(const std::string& path) const {
  std::optional<std::string> text = storage_->read(path);
  if (!text) return std::nullopt;
  const std::string where = fmt::format("{} ({})", storage_->url_of(path), location_);
  try {
    return parse_manifest_at(*text, path, where);
  } catch (const CodecError& e) {
    log::warn(e.what());
    return std::nullopt;
  }
}

std::vector<std::string> EntryStore::backends(const std::string& ns,
                                              const std::string& key) const {
  if (layout_ == EntryLayout::nuthatch_0_4) return legacy::backends_of(*storage_, ns, key);
  std::vector<std::string> out;
  for (const ObjectInfo& o : storage_->list(manifest_dir(ns, key))) {
    auto loc = parse_manifest_path(o.path);
    if (loc && loc->key == key && loc->ns == ns) out.push_back(loc->backend);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::optional<Boxed> EntryStore::read(ManifestRecord& record, const Codec& codec,
                                      const Value& kwargs, const CoordinateRange* range) const {
  for (int attempt = 0; attempt < kReadAttempts; ++attempt) {
    const Manifest& m = record.manifest;
    if (m.is_null()) return Boxed();
    std::string problem;
    try {
      if (codec.single_file()) {
        std::optional<std::string> bytes =
            m.inline_data ? m.inline_data : storage_->read(m.payload);
        if (!bytes) {
          problem = fmt::format("payload {} is missing", m.payload);
        } else if (!m.checksum.empty() && checksum_of(*bytes) != m.checksum) {
          problem = fmt::format("payload {} fails its checksum", m.inline_data ? "(inline)" : m.payload);
        } else {
          return codec.decode(*bytes, kwargs);
        }
      } else {
        const Value tree_kwargs = with_missing_chunks(kwargs, m);
        Boxed value = range ? codec.read_tree(*storage_, m.payload + "/", tree_kwargs, *range)
                            : codec.read_tree(*storage_, m.payload + "/", tree_kwargs);
        if (m.legacy) {
          std::optional<ManifestRecord> again = legacy::find(*storage_, m.ns, m.key, m.backend);
          if (again && again->generation == record.generation) return value;
        } else {
          auto info = storage_->stat(manifest_path(m.ns, m.key, m.backend));
          if (info && info->generation == record.generation) return value;
        }
        problem = "the entry was replaced while it was read";
      }
    } catch (const StorageError& e) {
      problem = e.what();
    } catch (const CodecError& e) {
      problem = e.what();
    }
    // A writer may have replaced the entry and deleted this payload: follow the manifest.
    std::optional<ManifestRecord> current = find(m.ns, m.key, m.backend);
    if (!current) return std::nullopt;  // deleted meanwhile: a miss
    if (current->generation == record.generation) {
      log::warn(fmt::format("treating {} as a miss: {}", describe(m, location_, url()), problem));
      return std::nullopt;
    }
    record = std::move(*current);
  }
  log::warn(fmt::format("treating key '{}' at {} as a miss: it kept changing while read",
                        record.manifest.key, location_));
  return std::nullopt;
}

CommitOutcome EntryStore::commit(Manifest m, const Boxed& stored, const Codec* codec,
                                 const Value& kwargs, const CommitRules& rules,
                                 Manifest* committed_manifest) {
  if (stored.empty()) {
    m.state = "null";
    m.backend = std::string(kNullBackend);
    prepare(m, nullptr);
  } else {
    prepare(m, codec);
    if (codec->single_file()) {
      std::string bytes = codec->encode(stored, kwargs);
      m.bytes = bytes.size();
      m.checksum = checksum_of(bytes);
      if (bytes.size() <= kInlineMaxBytes) {
        m.inline_data = std::move(bytes);
        m.payload.clear();
      } else {
        storage_->write(m.payload, bytes);
      }
    } else {
      m.bytes = codec->write_tree(stored, *storage_, m.payload + "/", kwargs);
    }
  }
  return publish(std::move(m), rules, committed_manifest);
}

void EntryStore::prepare(Manifest& m, const Codec* codec) {
  if (read_only()) {
    throw StorageError(fmt::format("location {} ({}) is read-only: cannot write key '{}'",
                                   location_, url(), m.key));
  }
  mark_store();
  m.entry_id = new_entry_id();
  stamp_manifest(m);
  m.payload = codec ? payload_path(m.ns, m.key, m.backend, m.entry_id, codec->extension()) : "";
}

CommitOutcome EntryStore::publish(Manifest m, const CommitRules& rules,
                                  Manifest* committed_manifest) {
  const std::optional<ManifestRecord>& expected = rules.expected;
  const bool replace = rules.replace;
  const std::string path = manifest_path(m.ns, m.key, m.backend);
  const std::string text = manifest_to_json(m);
  if (m.is_null()) remove_value_entries(m.ns, m.key);  // invariant 8
  std::optional<ManifestRecord> seen = expected;
  std::string seen_generation = seen ? seen->generation : std::string();
  bool committed = false;
  for (int attempt = 0; attempt < kCommitAttempts && !committed; ++attempt) {
    // Invariant 4: the payload about to be replaced is retired before the swap.
    if (seen && seen->manifest.payload != m.payload) retire_payload(seen->manifest);
    WriteCondition cond = seen_generation.empty() ? WriteCondition::if_absent()
                                                  : WriteCondition::if_generation(seen_generation);
    if (storage_->write_if(path, text, cond)) {
      committed = true;
      break;
    }
    ManifestSlot slot = inspect(m.ns, m.key, m.backend);
    if (slot.newer_format) {
      discard_payload(m);
      throw StorageError(fmt::format(
          "cannot commit key '{}' at {}: its manifest was written by a newer nuthatch and "
          "this engine will not overwrite it ({})",
          m.key, location_, slot.problem));
    }
    seen = std::move(slot.record);
    seen_generation = seen ? seen->generation : slot.unreadable_generation;
    if (!seen && !slot.unreadable_generation.empty()) {
      // Invariant 2: a damaged manifest blocks nothing; it is replaced whatever `replace`.
      log::warn(fmt::format("replacing the unreadable manifest of key '{}' at {}: {}", m.key,
                            location_, slot.problem));
      continue;
    }
    if (seen && !replace) break;
  }
  if (!committed) {
    discard_payload(m);
    if (!replace) {
      log::debug(fmt::format("key '{}' at {} was committed by another writer; keeping it",
                             m.key, location_));
      return CommitOutcome::kept_existing;
    }
    throw StorageError(fmt::format("could not commit key '{}' at {}: the entry kept changing",
                                   m.key, location_));
  }
  after_swap(m, rules.null_absent);
  if (committed_manifest != nullptr) *committed_manifest = std::move(m);
  return CommitOutcome::committed;
}

bool EntryStore::restamp(const ManifestRecord& current, const Manifest& updated) {
  if (read_only()) {
    throw StorageError(fmt::format("cannot update key '{}' at {}: the location is read-only",
                                   updated.key, location_));
  }
  const Manifest& was = current.manifest;
  if (updated.entry_id != was.entry_id || updated.payload != was.payload ||
      updated.ns != was.ns || updated.key != was.key || updated.backend != was.backend ||
      current.generation.empty()) {
    throw StorageError(fmt::format("cannot update key '{}' at {}: an update keeps the entry "
                                   "and its payload",
                                   updated.key, location_));
  }
  return storage_->write_if(manifest_path(was.ns, was.key, was.backend), manifest_to_json(updated),
                            WriteCondition::if_generation(current.generation));
}

void EntryStore::after_swap(const Manifest& m, bool null_absent) {
  // Invariant 9: the entry is committed; nothing here may fail the call.
  if (m.is_null() || null_absent) return;
  try {
    storage_->remove({manifest_path(m.ns, m.key, kNullBackend)});
  } catch (const std::exception& e) {
    log::warn(fmt::format("key '{}' at {} is committed, but its null entry could not be "
                          "removed ({}); the value entry wins over it",
                          m.key, location_, e.what()));
  }
}

void EntryStore::remove_value_entries(const std::string& ns, const std::string& key) {
  try {
    for (const std::string& b : backends(ns, key)) {
      if (b != kNullBackend) remove(ns, key, b);
    }
  } catch (const std::exception& e) {
    // The null entry is still committed; until a later commit of the key removes the
    // value entry, readers resolve the key to that value (invariant 8), as after a crash.
    log::warn(fmt::format("could not remove the value entries of key '{}' at {} before "
                          "committing its null entry ({}); they stay current until the next "
                          "commit of the key",
                          key, location_, e.what()));
  }
}

void EntryStore::mark_store() {
  if (marked_.load(std::memory_order_relaxed)) return;
  if (!storage_->stat(kStoreMarker)) {
    storage_->write_if(kStoreMarker, fmt::format("{{\"format\": {}}}\n", kManifestFormat),
                       WriteCondition::if_absent());
  }
  marked_.store(true, std::memory_order_relaxed);
}

void EntryStore::remove(const std::string& ns, const std::string& key, const std::string& backend,
                        bool metadata_only) {
  std::optional<ManifestRecord> rec = find(ns, key, backend);
  if (rec && !metadata_only) retire_payload(rec->manifest);
  storage_->remove({manifest_path(ns, key, backend)});
}

bool EntryStore::retire_payload(const Manifest& m) {
  if (m.payload.empty()) return true;
  const Value marker = Value::object({{"payload", m.payload},
                                      {"entry_id", m.entry_id},
                                      {"key", m.key},
                                      {"namespace", m.ns},
                                      {"backend", m.backend},
                                      {"retired", rfc3339_utc(now_ns())}});
  try {
    storage_->write(retirement_marker_path(m.payload), to_json(marker, 1));
    return true;
  } catch (const std::exception& e) {
    log::warn(fmt::format("could not retire the payload {} of key '{}' at {} ({}); gc will "
                          "judge it by its own age",
                          m.payload, m.key, location_, e.what()));
    return false;
  }
}

void EntryStore::release_payload(const std::string& payload) const {
  // data/<ns>/<key...>/<backend>-<entry id><ext>
  const std::string_view name = std::string_view(payload).substr(payload.rfind('/') + 1);
  const std::size_t dash = name.find('-');
  if (dash == std::string_view::npos) return;
  const Codec* codec = CodecRegistry::find(name.substr(0, dash));
  if (codec == nullptr) return;
  const std::vector<std::string> names = codec->release_settings();
  if (names.empty()) return;
  Value settings = Value::object();
  for (const std::string& setting : names) {
    if (std::optional<Value> v = get_parameter(setting, location_, std::string(codec->name()))) {
      settings[setting] = std::move(*v);
    }
  }
  codec->release_payload(*storage_, payload, settings);
}

void EntryStore::discard_payload(const Manifest& m) {
  if (m.payload.empty()) return;
  try {
    release_payload(m.payload);
    const Codec* codec = CodecRegistry::find(m.backend);
    if (codec == nullptr || !codec->single_file()) storage_->remove_prefix(m.payload + "/");
    if (codec == nullptr || codec->single_file()) storage_->remove({m.payload});
  } catch (const std::exception& e) {
    log::warn(fmt::format("could not delete the unpublished payload {} of key '{}' at {} ({}); "
                          "gc will remove it",
                          m.payload, m.key, location_, e.what()));
  }
}

std::vector<EntryInfo> EntryStore::list() const {
  std::vector<EntryInfo> out;
  // The original's entries are found by key (find), not listed: `nuthatch list` shows
  // this engine's entries only.
  if (layout_ == EntryLayout::nuthatch_0_4) return out;
  for (const ObjectInfo& o : storage_->list(std::string(kMetadataFolder))) {
    auto loc = parse_manifest_path(o.path);
    if (!loc) continue;
    out.push_back({location_, std::move(loc->ns), std::move(loc->key), std::move(loc->backend),
                   o.path, o.mtime_ns});
  }
  return out;
}

std::string EntryStore::metadata_url() const { return storage_->url_of(kMetadataFolder); }

std::string EntryStore::payload_url(const Manifest& m) const {
  if (!m.payload.empty()) return storage_->url_of(m.payload);
  return storage_->url_of(manifest_path(m.ns, m.key, m.backend));
}

PayloadLocation EntryStore::payload_location(const Manifest& m) const {
  return PayloadLocation{payload_url(m), storage_options_, std::string(missing_chunks_rule(m)),
                         location_,           m.ns,             m.key,
                         m.entry_id};
}

}  // namespace nuthatch
