// The commit protocol (DESIGN §3). Invariants, in order:
//  1. A payload is written under a fresh entry id and never modified afterwards; small
//     single-file payloads are inlined in the manifest instead (one read per hit).
//  2. The manifest is the commit point: it is written last, atomically, with a
//     compare-and-swap on the generation the committer saw (if_absent when it saw none).
//     Readers therefore see the old entry or the new one, never a mix.
//  3. Only after the manifest swap is the payload the old manifest named deleted. A
//     reader that loses that race finds its payload gone, reads the manifest again and
//     follows it to the new payload; it never returns data that failed its checksum.
//  4. A tree payload (zarr) has no single checksum: the reader re-checks that the
//     manifest's generation did not change while it read the tree (the old tree is
//     deleted only after the swap, so an unchanged generation proves it was intact).
//  5. A crash at any point leaves the old entry or the new one current; payloads that no
//     manifest names are orphans, removed by `nuthatch gc` after a grace period.
//  6. A value entry and a null entry for one key exclude each other: committing one
//     removes the other after the swap.

#include "meta/entry_store.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "common/hash.hpp"
#include "common/ids.hpp"
#include "common/log.hpp"

namespace nuthatch {
namespace {
constexpr int kReadAttempts = 4;
constexpr int kCommitAttempts = 32;

std::string describe(const Manifest& m, const std::string& location, const std::string& url) {
  return fmt::format("entry '{}' (namespace {}, backend {}) at {} ({})", m.key, m.ns, m.backend,
                     location, url);
}
}  // namespace

EntryStore::EntryStore(StoragePtr storage, std::string location, bool read_only,
                       Value storage_options)
    : storage_(std::move(storage)),
      location_(std::move(location)),
      read_only_(read_only),
      storage_options_(std::move(storage_options)) {}

std::optional<ManifestRecord> EntryStore::find(const std::string& ns, const std::string& key,
                                               const std::string& backend) const {
  std::string path = manifest_path(ns, key, backend);
  // The generation is never newer than the text (Storage::read_versioned): if the
  // manifest is replaced meanwhile, a compare-and-swap against it fails safely (the
  // writer re-reads), and a tree read validated against it is retried (invariant 4).
  std::optional<VersionedObject> object = storage_->read_versioned(path);
  if (!object) return std::nullopt;
  try {
    ManifestRecord rec{manifest_from_json(object->data, storage_->url_of(path)),
                       std::move(object->generation)};
    return rec;
  } catch (const CodecError& e) {
    log::warn(fmt::format("ignoring unreadable manifest for key '{}' at {}: {}", key, location_,
                          e.what()));
    return std::nullopt;
  }
}

std::vector<std::string> EntryStore::backends(const std::string& ns,
                                              const std::string& key) const {
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
        Boxed value = range ? codec.read_tree(*storage_, m.payload + "/", kwargs, *range)
                            : codec.read_tree(*storage_, m.payload + "/", kwargs);
        auto info = storage_->stat(manifest_path(m.ns, m.key, m.backend));
        if (info && info->generation == record.generation) return value;
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
                                 const Value& kwargs,
                                 const std::optional<ManifestRecord>& expected, bool replace,
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
  return publish(std::move(m), expected, replace, committed_manifest);
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

CommitOutcome EntryStore::publish(Manifest m, const std::optional<ManifestRecord>& expected,
                                  bool replace, Manifest* committed_manifest) {
  const std::string path = manifest_path(m.ns, m.key, m.backend);
  const std::string text = manifest_to_json(m);
  std::optional<ManifestRecord> seen = expected;
  bool committed = false;
  for (int attempt = 0; attempt < kCommitAttempts && !committed; ++attempt) {
    WriteCondition cond = seen ? WriteCondition::if_generation(seen->generation)
                               : WriteCondition::if_absent();
    if (storage_->write_if(path, text, cond)) {
      committed = true;
      break;
    }
    seen = find(m.ns, m.key, m.backend);
    if (!replace) break;
  }
  if (!committed) {
    remove_payload(m);
    if (!replace) {
      log::debug(fmt::format("key '{}' at {} was committed by another writer; keeping it",
                             m.key, location_));
      return CommitOutcome::kept_existing;
    }
    throw StorageError(fmt::format("could not commit key '{}' at {}: the entry kept changing",
                                   m.key, location_));
  }
  if (seen && seen->manifest.payload != m.payload) remove_payload(seen->manifest);

  // A value and a null entry for one key exclude each other (invariant 6).
  if (m.is_null()) {
    for (const std::string& b : backends(m.ns, m.key)) {
      if (b != kNullBackend) remove(m.ns, m.key, b);
    }
  } else if (!seen || !seen->manifest.is_null()) {
    remove(m.ns, m.key, std::string(kNullBackend));
  }
  if (committed_manifest != nullptr) *committed_manifest = std::move(m);
  return CommitOutcome::committed;
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
  std::string path = manifest_path(ns, key, backend);
  storage_->remove({path});
  if (rec && !metadata_only) remove_payload(rec->manifest);
}

void EntryStore::remove_payload(const Manifest& m) {
  if (m.payload.empty()) return;
  const Codec* codec = CodecRegistry::find(m.backend);
  if (codec == nullptr || !codec->single_file()) storage_->remove_prefix(m.payload + "/");
  if (codec == nullptr || codec->single_file()) storage_->remove({m.payload});
}

std::vector<EntryInfo> EntryStore::list() const {
  std::vector<EntryInfo> out;
  for (const ObjectInfo& o : storage_->list("meta/")) {
    auto loc = parse_manifest_path(o.path);
    if (!loc) continue;
    out.push_back({location_, std::move(loc->ns), std::move(loc->key), std::move(loc->backend),
                   o.path, o.mtime_ns});
  }
  return out;
}

std::string EntryStore::payload_url(const Manifest& m) const {
  if (!m.payload.empty()) return storage_->url_of(m.payload);
  return storage_->url_of(manifest_path(m.ns, m.key, m.backend));
}

PayloadLocation EntryStore::payload_location(const Manifest& m) const {
  return PayloadLocation{payload_url(m), storage_options_};
}

}  // namespace nuthatch
