#pragma once
// EntryStore: the entries of one location (the default, storage-backed metastore) and
// the commit protocol that writes them. See entry_store.cpp for the invariants.

#include <cstdint>
#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "meta/manifest.hpp"
#include "nuthatch/boxed.hpp"
#include "nuthatch/codec.hpp"
#include "nuthatch/storage.hpp"

namespace nuthatch {

/// How a location's entries are laid out: this engine's (DESIGN §3), or the original
/// Nuthatch 0.4's, read-only (meta/legacy_layout.hpp).
enum class EntryLayout { nuthatch, nuthatch_0_4 };

/// A manifest as read, with the generation it was read at (for compare-and-swap).
struct ManifestRecord {
  Manifest manifest;
  std::string generation;
};

/// What a manifest's place holds, as found by EntryStore::inspect().
struct ManifestSlot {
  std::optional<ManifestRecord> record;  ///< a valid manifest
  /// An object is there that is no valid manifest (damaged, or lying about where it
  /// belongs): its generation, so the next commit replaces it. Empty otherwise.
  std::string unreadable_generation;
  /// The object there was written by a newer nuthatch: never to be overwritten here.
  bool newer_format = false;
  std::string problem;  ///< why the object is not a valid manifest (for messages)
};

/// How a commit treats what it finds current: what the committer saw before it computed.
struct CommitRules {
  /// The entry the caller saw (std::nullopt: it saw none).
  std::optional<ManifestRecord> expected;
  /// Replace whatever is current; otherwise an entry committed meanwhile by someone else
  /// is kept and ours discarded.
  bool replace = false;
  /// The caller's lookup saw that the key has no null entry. A value's commit then skips
  /// removing one (a null entry committed meanwhile loses to the value: invariant 8).
  bool null_absent = false;
};

/// What commit() did.
enum class CommitOutcome {
  committed,      ///< the new entry is current
  kept_existing,  ///< another entry was current and replace was false: nothing changed
};

/// One listed entry (CLI).
struct EntryInfo {
  std::string location;
  std::string ns;
  std::string key;
  std::string backend;
  std::string manifest_path;
  std::int64_t mtime_ns = 0;
};

class EntryStore {
 public:
  /// `read_only`: a mirror; commits are refused with a StorageError. `storage_options`:
  /// the options `storage` was opened with, handed to front ends that open payloads
  /// themselves (payload_location()).
  /// `layout`: EntryLayout::nuthatch_0_4 reads the original's layout and is read-only.
  EntryStore(StoragePtr storage, std::string location, bool read_only = false,
             Value storage_options = Value::object(),
             EntryLayout layout = EntryLayout::nuthatch);

  Storage& storage() const { return *storage_; }
  const StoragePtr& storage_ptr() const { return storage_; }
  const std::string& location() const { return location_; }
  std::string url() const { return storage_->url(); }
  bool read_only() const {
    return read_only_ || layout_ != EntryLayout::nuthatch || storage_->read_only();
  }
  EntryLayout layout() const { return layout_; }

  /// The manifest of (ns, key, backend), or nullopt. A manifest that cannot be parsed is
  /// reported (warning naming key and location) and treated as absent.
  std::optional<ManifestRecord> find(const std::string& ns, const std::string& key,
                                     const std::string& backend) const;
  /// What the manifest place of (ns, key, backend) holds, without warnings: a valid
  /// manifest, an unreadable object, one of a newer format, or nothing.
  ManifestSlot inspect(const std::string& ns, const std::string& key,
                       const std::string& backend) const;

  /// The manifest at `path` (a listed EntryInfo::manifest_path), or std::nullopt when it
  /// vanished. One that is not valid where it lies is reported (a warning naming it) and
  /// gives std::nullopt.
  std::optional<Manifest> manifest_at(const std::string& path) const;

  /// Backends with a manifest for (ns, key), including "null".
  std::vector<std::string> backends(const std::string& ns, const std::string& key) const;

  /// The stored value behind a manifest, checksum verified. A missing or corrupt payload
  /// is reported (warning naming key, location and cause) and gives std::nullopt, never
  /// wrong data. When the payload vanished because a writer replaced the entry
  /// meanwhile, the current manifest is read again (bounded retries) and `record` is
  /// updated to it. With a `range`, a tree codec may read only that part of the value.
  std::optional<Boxed> read(ManifestRecord& record, const Codec& codec, const Value& kwargs,
                            const CoordinateRange* range = nullptr) const;

  /// Commits a value (stored type of `codec`) or, when `stored` is empty, a null entry.
  /// `m` carries the descriptive fields (name, key, ns, backend, version, args, code,
  /// inputs); entry id, payload, checksum and stamps are filled in here.
  /// `rules`: what the caller saw and whether to replace it (CommitRules).
  /// `committed`, when given, receives the manifest as written.
  CommitOutcome commit(Manifest m, const Boxed& stored, const Codec* codec, const Value& kwargs,
                       const CommitRules& rules, Manifest* committed = nullptr);
  /// The same with rules {expected, replace}.
  CommitOutcome commit(Manifest m, const Boxed& stored, const Codec* codec, const Value& kwargs,
                       const std::optional<ManifestRecord>& expected, bool replace,
                       Manifest* committed = nullptr) {
    return commit(std::move(m), stored, codec, kwargs, CommitRules{expected, replace}, committed);
  }

  /// The first half of commit() for callers that write a tree payload themselves (e.g.
  /// `nuthatch import`): assigns the entry id, stamps, and sets `m.payload` for `codec`
  /// (none for a null entry, codec == nullptr).
  void prepare(Manifest& m, const Codec* codec);
  /// The second half: the manifest swap for a payload already written at `m.payload`
  /// (from prepare()), with the same rules as commit(). When the swap does not happen the
  /// payload is removed.
  CommitOutcome publish(Manifest m, const CommitRules& rules, Manifest* committed = nullptr);

  /// Rewrites the manifest of the entry `current` (as read, with its generation) as
  /// `updated`, which must keep its entry id and payload: descriptive fields only (the
  /// code fingerprint `bless` records). Conditional on the manifest being unchanged since
  /// it was read; false when another writer changed it meanwhile. Nothing is retired.
  bool restamp(const ManifestRecord& current, const Manifest& updated);

  /// Removes an entry: its payload is retired (readers that opened it keep reading it;
  /// `nuthatch gc` reclaims it after the grace period), then its manifest is deleted.
  /// `metadata_only` does not retire the payload (gc treats it as an orphan). A manifest
  /// that is not valid is deleted alone: it never decides what else is removed.
  void remove(const std::string& ns, const std::string& key, const std::string& backend,
              bool metadata_only = false);

  /// Marks the payload of `m` retired (writes its retirement marker). Returns false, with
  /// a warning, when the marker could not be written (gc then judges the payload by its
  /// own age). Inline and null entries have nothing to retire.
  bool retire_payload(const Manifest& m);

  /// Releases what the payload at `payload` (a path relative to the location, as in a
  /// manifest) holds outside this storage, before its objects are removed: its codec's
  /// Codec::release_payload, with the settings it names resolved for this location and
  /// the payload's backend (read from its name). Throws StorageError when it cannot; a
  /// backend without a codec here has nothing to release.
  void release_payload(const std::string& payload) const;

  /// Every entry (manifest) of this location.
  std::vector<EntryInfo> list() const;

  /// URL of an entry's payload (inline entries: the manifest's URL).
  std::string payload_url(const Manifest& m) const;
  /// The URL of the folder holding every manifest of this store (meta/).
  std::string metadata_url() const;
  /// payload_url() with the options to open it with.
  PayloadLocation payload_location(const Manifest& m) const;

 private:
  /// Deletes a payload that was never published (a lost compare-and-swap): no reader can
  /// have opened it. Failures are warnings.
  void discard_payload(const Manifest& m);
  /// Steps after a successful swap (value and null entries exclude each other); failures
  /// are warnings: the call has committed.
  void after_swap(const Manifest& m, bool null_absent);
  /// Removes the value entries of (ns, key), before a null entry is committed.
  void remove_value_entries(const std::string& ns, const std::string& key);
  /// Writes nuthatch.json ({"format": 1}) once, marking the location as a store.
  void mark_store();

  StoragePtr storage_;
  std::string location_;
  bool read_only_ = false;
  Value storage_options_;
  EntryLayout layout_ = EntryLayout::nuthatch;
  std::atomic<bool> marked_{false};
};

}  // namespace nuthatch
