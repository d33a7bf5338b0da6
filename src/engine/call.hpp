#pragma once
// One cached call (engine.cpp holds the order; recall.cpp reads the levels; store.cpp
// writes them). Internal to the engine layer.

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/resolve.hpp"
#include "location/location.hpp"
#include "nuthatch/engine.hpp"

namespace nuthatch {

/// An entry found at one level.
struct Found {
  const Location* location;
  std::shared_ptr<EntryStore> store;
  const ManifestRecord* record;  ///< points into Call::seen_
  Boxed value;                   ///< result type (empty for a null entry)
};

/// What a level held that the caller may replace (stale, corrupt, rejected, or valid).
struct Seen {
  const Location* location;
  std::optional<ManifestRecord> record;  ///< nullopt: looked up and absent
  bool stale = false;                    ///< replace without asking
  std::string backend;                   ///< the manifest looked up
  bool any_backend = false;              ///< absent: no manifest of the key at all
  bool null_absent = false;              ///< the key had no null entry either
};

class Call {
 public:
  Call(const FunctionSpec& fn, ResolvedCall r, const std::function<Boxed()>& compute);

  /// Runs the call; with `uri_out`, also where its entry lives (filepath_only).
  Boxed run(std::string* uri_out);

 private:
  // recall.cpp
  std::optional<Found> lookup(const Location& location);
  std::optional<Found> recall(const Location& location, std::optional<LocatedEntry> entry);
  std::optional<Found> recall_migrated(const Location& location, const std::string& hint);
  void mark_stale(const Location& location);
  /// The on_stale policy applied to an entry found at `location`: true when the call is to
  /// compute it again (recompute); warns, throws StaleEntryError or says nothing otherwise.
  bool recomputes_stale(const Location& location, const Manifest& m) const;
  /// The value of a stored entry (for upsert), or std::nullopt when it cannot be read.
  std::optional<Boxed> read_entry(const EntryStore& store, ManifestRecord& record,
                                  const Codec& codec, const Value& kwargs) const;

  // store.cpp
  void write(const Location& location, const Boxed& result, const std::optional<Found>& found);
  CommitOutcome commit(const Location& location, EntryStore& store, const EntryDraft& entry,
                       const Codec* codec, const Value& kwargs, const CommitRules& rules,
                       const Boxed& result);
  void upsert(const Location& location, EntryStore& store, const EntryDraft& entry,
              const Codec& codec, const Value& kwargs, std::optional<ManifestRecord> current,
              const Boxed& rows);
  /// The backend computed results are written with ("" = decided by the result).
  const std::string& write_backend() const;
  /// Whether a found entry is to be stored again with the call's storage_backend.
  bool stores_elsewhere(const Found& found) const;
  EntryDraft draft(const Location& location, const std::string& backend,
                   const Boxed& result) const;

  // engine.cpp
  Boxed process(Boxed result) const;
  bool valid(const Boxed& result) const;
  void note_input(const std::string& location, const Manifest& m) const;
  std::string memo_id() const;
  std::string uri(const std::optional<Found>& found) const;

  const FunctionSpec& fn_;
  ResolvedCall r_;
  const std::function<Boxed()>& compute_;
  std::shared_ptr<const Locations> locations_;
  /// The part of the result the call needs (the processor's read_range), if it names one.
  std::optional<CoordinateRange> range_;
  std::deque<Seen> seen_;  // stable addresses: Found points into it
  std::string written_uri_;
  /// filepath_only: a found entry's path is the answer; its payload is not read.
  bool uri_only_ = false;
  /// The entry just written, reopened (ResultAdapter::returns_written): what the call returns.
  std::optional<Boxed> written_value_;
  /// The merged table of the first upsert committed: what the call returns.
  std::optional<Boxed> upserted_;
  /// Seconds the function ran, when the call computed (recorded in the manifest).
  double compute_seconds_ = -1;
};

}  // namespace nuthatch
