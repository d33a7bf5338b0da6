// `nuthatch migrate --from URL [--location L] [--dry-run] [--trust-pickle] [--json]`:
// copies the entries the original Nuthatch (0.4) wrote at URL into a location of this
// engine, so a team keeps its caches when it switches.
//
// The original's layout (meta/legacy_layout.hpp) records, per entry, a metastore row
// `nuthatch_metadata.nut/<key>[/<ns>]/<backend>.parquet` (or `<key>[/<ns>].null`) and its
// data at `[<ns>/]<key>.<ext>`. Its key `<function>/<value>_<value>` holds neither the
// argument names nor their types, so an entry cannot be given the key a call computes;
// it is filed under keys::migrated_key of its original key, and calls find it there from
// their own arguments (legacy_cache_key) once the location carries the migration marker
// (legacy::kMigrationMarker), which this command writes.
//
// Each entry is committed by the engine's protocol (a fresh payload, then the manifest),
// so a crash leaves no entry that reads back wrong. Migrating again skips what is already
// there (resumable). The original's parquet tables (one file written by pandas, or a
// folder of part files written by dask, Hive folders for partition columns) become parquet
// entries, their parts numbered in the folder's order. Entries it cannot migrate are
// reported with the reason: the original's sql and terracotta tables are not read yet (its
// delta tables are copied as they are; the Python package reads them); pickles run code
// when read,
// so they are copied only with --trust-pickle; a row whose namespace cannot be told apart
// from its key; data missing.

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cli/command.hpp"
#include "cli/output.hpp"
#include "cli/progress.hpp"
#include "cli/tree_copy.hpp"
#include "common/strings.hpp"
#include "common/time.hpp"
#include "config/config.hpp"
#include "nuthatch/config.hpp"
#include "location/location.hpp"
#include "meta/legacy_layout.hpp"
#include "nuthatch/codec.hpp"
#include "nuthatch/keys.hpp"
#include "nuthatch/storage.hpp"

namespace nuthatch::cli {
namespace {

using legacy::kMetastore;
constexpr std::string_view kRowSuffix = legacy::kRowExtension;
constexpr std::string_view kNullSuffix = legacy::kNullExtension;

struct MigrateArgs {
  std::string from;
  std::string location = "root";
  bool dry_run = false;
  bool trust_pickle = false;
  bool json = false;
};

/// One metastore row of the original, resolved to an entry.
struct LegacyEntry {
  std::string row;      ///< the row's path in the source
  std::string key;      ///< the original's key
  std::string ns = std::string(kNoNamespace);
  std::string backend;  ///< the original's backend name ("basic", "zarr", "null", ...)
  const legacy::Backend* read_as = nullptr;  ///< nullptr: null entry, or not readable
  std::string problem;  ///< why it cannot be migrated ("" = it can)
};

// The row `<key>[/<ns>]/<backend>.parquet` or `<key>[/<ns>].null`: which parts are the key
// and which the namespace is told by where the data is (the key holds at least
// `<function>/`; a value may hold '/').
// The row's path comes from a listing of storage: it is checked (a key below the location,
// a backend name) before any part of it is used.
LegacyEntry resolve(Storage& source, const std::string& row) {
  LegacyEntry e;
  e.row = row;
  e.key = row;
  std::string rest = row.substr(kMetastore.size());
  if (rest.ends_with(kNullSuffix)) {
    e.backend = std::string(kNullBackend);
    rest.resize(rest.size() - kNullSuffix.size());
  } else {
    const std::size_t slash = rest.find_last_of('/');
    if (slash == std::string::npos) {
      e.problem = "a metastore row outside any function's folder";
      return e;
    }
    e.backend = rest.substr(slash + 1, rest.size() - slash - 1 - kRowSuffix.size());
    rest.resize(slash);
  }
  if (rest.empty() || !legacy::is_safe_key(rest)) {
    e.problem = "a metastore row whose key could not be a path below the location";
    return e;
  }
  const std::vector<std::string> parts = split(rest, '/');
  const bool could_have_ns = parts.size() >= 3;
  const std::string with_ns_key = could_have_ns ? rest.substr(0, rest.find_last_of('/')) : "";
  const std::string with_ns_ns = could_have_ns ? parts.back() : "";
  // A function without cache arguments has the key "<function>/": its row lies directly
  // in the function's folder.
  e.key = parts.size() == 1 ? rest + "/" : rest;

  if (e.backend == kNullBackend) {
    if (could_have_ns) {
      e.problem = fmt::format(
          "a null result whose namespace cannot be told from its key ('{}' or '{}' in "
          "namespace '{}')",
          rest, with_ns_key, with_ns_ns);
    }
    return e;
  }
  e.read_as = legacy::by_original_name(e.backend);
  if (e.read_as == nullptr) {
    e.problem = fmt::format("the original's '{}' entries are not read yet", e.backend);
    return e;
  }
  if (legacy::data_exists(source, e.ns, e.key, *e.read_as)) return e;
  if (could_have_ns && legacy::data_exists(source, with_ns_ns, with_ns_key, *e.read_as)) {
    e.key = with_ns_key;
    e.ns = with_ns_ns;
    return e;
  }
  e.problem = fmt::format("its data ({}) is missing", legacy::data_path(e.ns, e.key, *e.read_as));
  return e;
}

std::vector<LegacyEntry> scan(Storage& source) {
  std::vector<LegacyEntry> out;
  for (const ObjectInfo& o : source.list(kMetastore)) {
    if (o.path.starts_with(kMetastore) &&
        (o.path.ends_with(kNullSuffix) || o.path.ends_with(kRowSuffix))) {
      out.push_back(resolve(source, o.path));
    }
  }
  return out;
}

enum class Outcome { migrated, present, skipped, failed };

struct Report {
  std::map<Outcome, std::size_t> counts;
  Json entries = Json::array();
};

std::string_view outcome_name(Outcome o) {
  switch (o) {
    case Outcome::migrated: return "migrated";
    case Outcome::present: return "already migrated";
    case Outcome::skipped: return "not migrated";
    case Outcome::failed: return "failed";
  }
  return "";
}

class Migration {
 public:
  Migration(const MigrateArgs& args, StoragePtr source, std::string source_url)
      : args_(args),
        source_(std::move(source)),
        source_url_(std::move(source_url)),
        locations_(Locations::current()),
        location_(&locations_->named(args.location)) {
    if (location_->layout() != EntryLayout::nuthatch || location_->read_only()) {
      throw Failure(fmt::format("location {} is read-only: cannot migrate into it", args.location));
    }
  }

  Report run() {
    std::vector<LegacyEntry> entries = scan(*source_);
    Report report;
    Progress progress("migrating", entries.size(), !args_.json);
    for (const LegacyEntry& e : entries) {
      auto [outcome, detail] = migrate(e);
      ++report.counts[outcome];
      report.entries.push_back({{"key", e.key},
                                {"namespace", e.ns},
                                {"backend", e.backend},
                                {"outcome", std::string(outcome_name(outcome))},
                                {"detail", detail}});
      if (!args_.json && outcome != Outcome::migrated && outcome != Outcome::present) {
        fmt::print("{}: key '{}' (namespace {}, backend {}): {}\n", outcome_name(outcome), e.key,
                   e.ns, e.backend, detail);
      }
      progress.advance();
    }
    if (!args_.dry_run && report.counts[Outcome::migrated] + report.counts[Outcome::present] > 0) {
      mark(report);
    }
    return report;
  }

 private:
  std::pair<Outcome, std::string> migrate(const LegacyEntry& e) {
    if (!e.problem.empty()) return {Outcome::skipped, e.problem};
    const bool is_null = e.backend == kNullBackend;
    if (!is_null && e.read_as->engine == "pickle" && !args_.trust_pickle) {
      return {Outcome::skipped,
              "a pickle runs code when it is read: pass --trust-pickle to migrate it"};
    }
    EntryDraft d;
    try {
      d.key = migrated_key(e.key);
      d.name = e.key.substr(0, e.key.find('/'));
      if (e.ns != kNoNamespace) validate_namespace(e.ns);
    } catch (const KeyError& err) {
      return {Outcome::skipped, err.what()};
    }
    d.ns = e.ns;
    d.backend = is_null ? std::string(kNullBackend) : std::string(e.read_as->engine);
    d.args = Value::object();
    d.args[kMigratedArg] = Value(e.key.substr(e.key.find('/') + 1));
    std::shared_ptr<EntryStore> store = location_->store_for(d.backend);
    if (store->find(d.ns, d.key, d.backend)) return {Outcome::present, ""};
    if (args_.dry_run) return {Outcome::migrated, "dry run: would be migrated"};
    try {
      const Codec* codec = is_null ? nullptr : &CodecRegistry::get(d.backend);
      CommitOutcome outcome;
      if (is_null) {
        outcome = location_->commit(d, nullptr, nullptr, Value::object(), {});
      } else if (e.read_as->shape == legacy::DataShape::file_or_tree) {
        // The codec reads the original's tables (a file, or a folder of any writer's).
        DecodedValue payload(codec->read_tree(
            *source_, legacy::data_path(e.ns, e.key, *e.read_as) + "/", Value::object()));
        outcome = location_->commit(d, codec, &payload, Value::object(), {});
      } else if (e.read_as->tree()) {
        d.sparse = true;  // not the engine's: zarr chunks of fill values unwritten, no delta record
        const std::string prefix = legacy::data_path(e.ns, e.key, *e.read_as) + "/";
        CopiedTree payload(source_, prefix, source_->url_of(prefix), false);
        outcome = location_->commit(d, codec, &payload, Value::object(), {});
      } else {
        const std::string path = legacy::data_path(e.ns, e.key, *e.read_as);
        std::optional<std::string> bytes = source_->read(path);
        if (!bytes) return {Outcome::failed, fmt::format("{} vanished", source_->url_of(path))};
        DecodedValue payload(codec->decode(*bytes, Value::object()));
        outcome = location_->commit(d, codec, &payload, Value::object(), {});
      }
      if (outcome == CommitOutcome::kept_existing) return {Outcome::present, "migrated meanwhile"};
      return {Outcome::migrated, ""};
    } catch (const Failure& err) {
      return {Outcome::failed, err.what()};
    } catch (const Error& err) {
      return {Outcome::failed, err.what()};
    }
  }

  // The marker makes calls look for migrated keys here; it lists every source migrated.
  void mark(const Report& report) {
    Storage& storage = location_->store_for("")->storage();
    const std::string marker(legacy::kMigrationMarker);
    Json record = Json::object();
    if (std::optional<std::string> old = storage.read(marker)) {
      try {
        record = Json::parse(*old);
      } catch (const std::exception&) {
        record = Json::object();  // damaged: rewritten
      }
    }
    if (!record.is_object()) record = Json::object();
    if (!record.contains("sources") || !record["sources"].is_array()) {
      record["sources"] = Json::array();
    }
    record["sources"].push_back({{"from", redact(source_url_)},
                                 {"time", rfc3339_utc(now_ns())},
                                 {"entries", report.counts.count(Outcome::migrated)
                                                 ? report.counts.at(Outcome::migrated)
                                                 : 0}});
    storage.write(marker, record.dump(2));
  }

  const MigrateArgs& args_;
  StoragePtr source_;
  std::string source_url_;
  std::shared_ptr<const Locations> locations_;
  const Location* location_;
};

int run_migrate(const MigrateArgs& args) {
  const std::string from = absolute_url(args.from);
  const config::LocationSpec target = config::location(args.location);
  const Value options = StorageRegistry::scheme_of(from) == StorageRegistry::scheme_of(target.url)
                            ? target.options
                            : Value::object();
  StoragePtr source = StorageRegistry::open(from, options);
  if (source->list(kMetastore).empty()) {
    throw Failure(fmt::format("{} holds no cache of the original Nuthatch (no {} there)", from,
                              kMetastore));
  }
  Migration migration(args, source, from);
  Report report = migration.run();
  auto count = [&](Outcome o) { return report.counts.count(o) ? report.counts.at(o) : 0; };
  if (args.json) {
    print_json({{"from", redact(from)},
                {"location", args.location},
                {"dry_run", args.dry_run},
                {"migrated", count(Outcome::migrated)},
                {"already_migrated", count(Outcome::present)},
                {"not_migrated", count(Outcome::skipped)},
                {"failed", count(Outcome::failed)},
                {"entries", report.entries}});
  } else {
    fmt::print("{} {} entries of {} into location {}; {} already there; {} not migrated; {} "
               "failed\n",
               args.dry_run ? "Would migrate" : "Migrated", count(Outcome::migrated),
               redact(from), args.location, count(Outcome::present), count(Outcome::skipped),
               count(Outcome::failed));
  }
  return count(Outcome::failed) > 0 ? kExitFailure : kExitOk;
}

}  // namespace

Command add_migrate_command(CLI::App& app) {
  auto args = std::make_shared<MigrateArgs>();
  CLI::App* cmd = app.add_subcommand(
      "migrate", "Copy the caches the original Nuthatch (0.4) wrote into a location");
  cmd->add_option("--from", args->from, "URL or path of the original's root")->required();
  cmd->add_option("--location", args->location, "Location to migrate into")
      ->capture_default_str();
  cmd->add_flag("--dry-run", args->dry_run, "Report what would be migrated; write nothing");
  cmd->add_flag("--trust-pickle", args->trust_pickle,
                "Also migrate pickled values (they run code when read)");
  cmd->add_flag("--json", args->json, "Print the report as JSON");
  return {cmd, [args] { return run_migrate(*args); }};
}

}  // namespace nuthatch::cli
