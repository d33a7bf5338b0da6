// `nuthatch gc [--dry-run] [--grace DURATION] [--location L] [--repair] [--json] [--force]`:
// reclaims retired payloads (replaced or deleted entries) whose grace period is over,
// orphaned payloads and stale temporary files older than it, and reports (with --repair:
// deletes) manifests whose payload is missing. See gc_scan.cpp for why this cannot
// remove live data. The grace period is what readers that opened an old entry have to
// finish; one under a minute is refused without --force.

#include <fmt/format.h>

#include <memory>

#include "cli/command.hpp"
#include "cli/gc_scan.hpp"
#include "cli/output.hpp"
#include "cli/selection.hpp"
#include "common/strings.hpp"
#include "common/log.hpp"
#include "common/time.hpp"

namespace nuthatch::cli {
namespace {

constexpr std::string_view kDefaultGrace = "1h";
constexpr std::int64_t kMinGraceNs = 60'000'000'000;  // one minute
// gc's own bookkeeping object, written to read the storage's clock (invariant 7).
constexpr std::string_view kClockProbe = "gc/clock";

struct GcArgs {
  std::string grace{kDefaultGrace};
  std::string location = "root";
  bool dry_run = false;
  bool repair = false;
  bool json = false;
  bool force = false;
};

/// The outcome of collecting one item.
struct Collected {
  std::string location;
  Garbage garbage;
  bool removed = false;
  std::string error;
};

struct Repaired {
  std::string location;
  BrokenEntry entry;
  bool removed = false;
  std::string error;
};

struct GcResult {
  std::vector<Collected> collected;
  std::vector<Repaired> broken;
  std::uint64_t bytes = 0;  ///< reclaimed (or reclaimable with --dry-run)
  bool failed = false;
};

// Deletes a manifest naming a missing payload, unless it changed since the scan.
bool repair(EntryStore& store, const BrokenEntry& b) {
  std::optional<Manifest> now = store.manifest_at(b.manifest_path);
  if (!now || now->entry_id != b.manifest.entry_id) return false;
  store.storage().remove({b.manifest_path});
  return true;
}

// Runs `action`, recording its error message; returns whether it succeeded.
template <class F>
bool attempt(F&& action, std::string& error) {
  try {
    action();
    return true;
  } catch (const std::exception& e) {
    error = e.what();
    return false;
  }
}

void collect_store(const std::shared_ptr<EntryStore>& store, std::int64_t cutoff,
                   const GcArgs& args, GcResult& result) {
  GcScan scan = scan_store(store, cutoff, !args.json);
  std::vector<std::string> errors(scan.garbage.size());
  if (!args.dry_run) errors = remove_garbage(*store, scan.garbage);
  for (std::size_t i = 0; i < scan.garbage.size(); ++i) {
    Collected c;
    c.location = store->location();
    c.garbage = std::move(scan.garbage[i]);
    c.error = std::move(errors[i]);
    c.removed = !args.dry_run && c.error.empty();
    if (c.error.empty()) result.bytes += c.garbage.bytes;
    result.failed |= !c.error.empty();
    result.collected.push_back(std::move(c));
  }
  for (BrokenEntry& b : scan.broken) {
    Repaired r;
    r.location = store->location();
    r.entry = std::move(b);
    if (args.repair && !args.dry_run) {
      attempt([&] { r.removed = repair(*store, r.entry); }, r.error);
    }
    result.failed |= !r.error.empty();
    result.broken.push_back(std::move(r));
  }
}

std::vector<std::shared_ptr<EntryStore>> writable_stores(const std::string& location) {
  std::vector<std::shared_ptr<EntryStore>> out;
  std::shared_ptr<const Locations> all = Locations::current();
  for (const Location* where : locations_of(*all, location)) {
    for (auto& store : where->stores()) {
      if (!store->read_only()) {
        out.push_back(std::move(store));
      } else if (location != kAllLocations) {
        throw Failure(fmt::format("location {} ({}) is read-only: gc cannot remove anything there",
                                  where->name(), store->url()));
      }
    }
  }
  return out;
}

Json result_json(const GcResult& r, const GcArgs& args) {
  Json collected = Json::array();
  for (const Collected& c : r.collected) {
    collected.push_back({{"location", c.location},
                         {"kind", kind_name(c.garbage.kind)},
                         {"path", c.garbage.path},
                         {"bytes", c.garbage.bytes},
                         {"objects", c.garbage.objects},
                         {"modified", format_time(c.garbage.mtime_ns)},
                         {"removed", c.removed},
                         {"error", string_or_null(c.error)}});
  }
  Json broken = Json::array();
  for (const Repaired& b : r.broken) {
    const Manifest& m = b.entry.manifest;
    broken.push_back({{"location", b.location}, {"namespace", m.ns}, {"key", m.key},
                      {"backend", m.backend}, {"manifest", b.entry.manifest_path},
                      {"payload", m.payload}, {"removed", b.removed},
                      {"error", string_or_null(b.error)}});
  }
  return {{"dry_run", args.dry_run},
          {"grace", args.grace},
          {"collected", std::move(collected)},
          {"missing_payloads", std::move(broken)},
          {"bytes_reclaimed", r.bytes}};
}

void print_human(const GcResult& r, const GcArgs& args) {
  const char* verb = args.dry_run ? "would remove" : "removed";
  for (const Collected& c : r.collected) {
    if (!c.error.empty()) {
      fmt::print(stderr, "nuthatch: error: could not remove {} {} at {}: {}\n",
                 kind_name(c.garbage.kind), c.garbage.path, c.location, c.error);
      continue;
    }
    fmt::print("{} {} {} at {} ({}, modified {})\n", verb, kind_name(c.garbage.kind),
               c.garbage.path, c.location, human_bytes(c.garbage.bytes),
               format_time(c.garbage.mtime_ns));
  }
  for (const Repaired& b : r.broken) {
    const Manifest& m = b.entry.manifest;
    std::string what = b.removed ? "deleted the manifest"
                       : !b.error.empty() ? "could not delete the manifest: " + b.error
                       : args.repair      ? "kept it (it changed meanwhile or --dry-run)"
                                          : "pass --repair to delete the manifest";
    fmt::print("key '{}' (namespace {}, backend {}) at {}: payload {} is missing; {}\n", m.key,
               m.ns, m.backend, b.location, m.payload, what);
  }
  if (r.collected.empty()) {
    fmt::print("Nothing to collect (grace period {}).\n", args.grace);
  } else {
    fmt::print("{} {} in {} items.\n", args.dry_run ? "Would reclaim" : "Reclaimed",
               human_bytes(r.bytes), r.collected.size());
  }
}

// The storage's own time: the modification time of an object written now. Falls back to
// this machine's clock (with a warning) where the storage reports no times.
std::int64_t storage_now(Storage& storage) {
  try {
    storage.write(kClockProbe, "gc\n");
    if (std::optional<ObjectInfo> info = storage.stat(kClockProbe); info && info->mtime_ns > 0) {
      return info->mtime_ns;
    }
  } catch (const Error& e) {
    log::warn(fmt::format("cannot read the clock of {}: {}; using this machine's", storage.url(),
                          e.what()));
  }
  return now_ns();
}

int run_gc(const GcArgs& args) {
  const std::int64_t grace = *parse_duration_ns(args.grace);
  if (grace < kMinGraceNs && !args.force) {
    throw UsageError(fmt::format(
        "a grace period of {} is under a minute: readers that opened a replaced entry may "
        "still be reading it; pass --force to collect anyway",
        args.grace));
  }
  GcResult result;
  for (const auto& store : writable_stores(args.location)) {
    const std::int64_t now = args.dry_run ? now_ns() : storage_now(store->storage());
    collect_store(store, now - grace, args, result);
  }
  if (args.json) {
    print_json(result_json(result, args));
  } else {
    print_human(result, args);
  }
  return result.failed ? kExitFailure : kExitOk;
}

std::string check_duration(const std::string& text) {
  auto ns = parse_duration_ns(text);
  if (!ns || *ns < 0) return fmt::format("invalid duration '{}' (e.g. 30s, 15m, 24h, 7d)", text);
  return {};
}

}  // namespace

Command add_gc_command(CLI::App& app) {
  auto args = std::make_shared<GcArgs>();
  CLI::App* cmd = app.add_subcommand("gc", "Remove orphaned payloads and stale temporary files");
  cmd->add_flag("--dry-run", args->dry_run, "Only print what would be removed");
  cmd->add_option("--grace", args->grace, "Keep garbage younger than this (30s, 15m, 24h, 7d)")
      ->check(CLI::Validator(check_duration, "DURATION"))
      ->capture_default_str();
  cmd->add_option("--location", args->location, "Location: root, local, or 'all'")
      ->capture_default_str();
  cmd->add_flag("--repair", args->repair, "Delete manifests whose payload is missing");
  cmd->add_flag("--json", args->json, "Print a JSON object instead of text");
  cmd->add_flag("--force", args->force, "Allow a grace period under one minute");
  return {cmd, [args] { return run_gc(*args); }};
}

}  // namespace nuthatch::cli
