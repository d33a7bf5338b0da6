// `nuthatch delete KEY_GLOB [filters] [-f/--force] [-m/--metadata-only] [--parallel [N]]
// [--downstream] [--dry-run] [--json]`.
// Each entry is removed by EntryStore::remove: manifest first (the entry disappears at
// once for readers), then its payload, so an interrupted delete leaves at worst orphaned
// payloads for `nuthatch gc`, never a manifest naming a deleted payload.

#include <fmt/format.h>

#include <deque>
#include <iostream>
#include <set>
#include <memory>
#include <string>

#include "cli/command.hpp"
#include "cli/entry_graph.hpp"
#include "cli/output.hpp"
#include "cli/progress.hpp"
#include "cli/selection.hpp"
#include "common/strings.hpp"

namespace nuthatch::cli {
namespace {

constexpr int kDefaultDeleteThreads = 4;

struct DeleteArgs {
  EntryFilter filter;
  bool force = false;
  bool metadata_only = false;
  bool json = false;
  bool downstream = false;
  bool dry_run = false;
  int parallel = kDefaultDeleteThreads;
};

// The selected entries and every entry derived from them: those that read one of them
// while computing, transitively (their manifests' inputs).
std::vector<ListedEntry> with_downstream(std::vector<ListedEntry> selected) {
  const EntryGraph graph = EntryGraph::load(false);
  std::set<std::pair<std::string, std::string>> chosen;  // (location, manifest path)
  for (const ListedEntry& s : selected) chosen.emplace(s.info.location, s.info.manifest_path);
  std::set<std::size_t> seen;
  std::deque<std::size_t> todo;
  for (std::size_t i = 0; i < graph.entries().size(); ++i) {
    const EntryInfo& e = graph.entries()[i].listed.info;
    if (chosen.contains({e.location, e.manifest_path})) {
      seen.insert(i);
      todo.push_back(i);
    }
  }
  for (; !todo.empty(); todo.pop_front()) {
    for (std::size_t j : graph.readers(todo.front())) {
      if (!seen.insert(j).second) continue;
      todo.push_back(j);
      selected.push_back(graph.entries()[j].listed);
    }
  }
  return selected;
}

void refuse_read_only(const std::vector<ListedEntry>& entries) {
  for (const ListedEntry& e : entries) {
    if (!e.store->read_only()) continue;
    throw Failure(fmt::format(
        "location {} ({}) is read-only: cannot delete key '{}'; nothing was deleted",
        e.store->location(), e.store->url(), e.info.key));
  }
}

void print_entries(std::FILE* out, const std::vector<ListedEntry>& entries) {
  Table table({"LOCATION", "NAMESPACE", "KEY", "BACKEND"});
  for (const ListedEntry& e : entries) {
    table.add_row({e.info.location, e.info.ns, e.info.key, e.info.backend});
  }
  table.print(out);
}

// Asks on the terminal; refuses when nobody can answer. Returns whether the user agreed.
bool confirm(const std::vector<ListedEntry>& entries) {
  if (!stdin_is_terminal()) {
    throw Failure(fmt::format(
        "refusing to delete {} entries without confirmation (standard input is not a "
        "terminal); pass --force to delete them",
        entries.size()));
  }
  print_entries(stderr, entries);
  fmt::print(stderr, "Delete {}? [y/N] ",
             entries.size() == 1 ? std::string("this entry")
                                 : fmt::format("these {} entries", entries.size()));
  std::fflush(stderr);
  std::string answer;
  std::getline(std::cin, answer);
  const std::string a = to_lower(answer);
  return a == "y" || a == "yes";
}

// Deletes every entry; returns the error message of each one that failed ("" = deleted).
std::vector<std::string> delete_entries(const std::vector<ListedEntry>& entries,
                                        const DeleteArgs& args) {
  std::vector<std::string> errors(entries.size());
  Progress progress("deleting", entries.size(), !args.json);
  parallel_for(entries.size(), args.parallel, [&](std::size_t i) {
    const EntryInfo& e = entries[i].info;
    try {
      entries[i].store->remove(e.ns, e.key, e.backend, args.metadata_only);
    } catch (const std::exception& ex) {
      errors[i] = ex.what();
    }
    progress.advance();
  });
  return errors;
}

std::size_t report(const std::vector<ListedEntry>& entries, const std::vector<std::string>& errors,
                   const DeleteArgs& args) {
  std::size_t failed = 0;
  Json out = Json::array();
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const EntryInfo& e = entries[i].info;
    if (!errors[i].empty()) {
      ++failed;
      fmt::print(stderr, "nuthatch: error: could not delete key '{}' (namespace {}, backend {}) "
                 "at {}: {}\n", e.key, e.ns, e.backend, e.location, errors[i]);
    }
    if (args.json) {
      out.push_back({{"location", e.location}, {"namespace", e.ns}, {"key", e.key},
                     {"backend", e.backend}, {"deleted", errors[i].empty()},
                     {"error", string_or_null(errors[i])}});
    } else if (errors[i].empty()) {
      fmt::print("deleted {} {} {} {}\n", e.location, e.ns, e.key, e.backend);
    }
  }
  if (args.json) {
    print_json(out);
  } else {
    fmt::print("Deleted {} of {} entries{}.\n", entries.size() - failed, entries.size(),
               args.metadata_only ? " (manifests only; payloads kept)" : "");
  }
  return failed;
}

int run_delete(const DeleteArgs& args) {
  if (args.filter.key_glob.empty()) {
    throw UsageError("KEY_GLOB must not be empty (use '*' for every key)");
  }
  std::vector<ListedEntry> entries = select_entries(args.filter);
  if (entries.empty()) {
    if (args.json) print_json(Json::array());
    else fmt::print("No entries {}: nothing deleted.\n", describe(args.filter));
    return kExitOk;
  }
  if (args.downstream) entries = with_downstream(std::move(entries));
  if (args.dry_run) {
    if (args.json) {
      Json out = Json::array();
      for (const ListedEntry& e : entries) {
        out.push_back({{"location", e.info.location}, {"namespace", e.info.ns},
                       {"key", e.info.key}, {"backend", e.info.backend}, {"deleted", false}});
      }
      print_json(out);
    } else {
      print_entries(stdout, entries);
      fmt::print("Would delete {} entries (--dry-run: nothing deleted).\n", entries.size());
    }
    return kExitOk;
  }
  refuse_read_only(entries);
  if (!args.force && !confirm(entries)) {
    fmt::print(stderr, "Nothing deleted.\n");
    return kExitFailure;
  }
  std::vector<std::string> errors = delete_entries(entries, args);
  return report(entries, errors, args) == 0 ? kExitOk : kExitFailure;
}

}  // namespace

// `--parallel` given without a number, as the original's flag.
constexpr int kBareParallel = 8;

Command add_delete_command(CLI::App& app) {
  auto args = std::make_shared<DeleteArgs>();
  CLI::App* cmd = app.add_subcommand("delete", "Delete entries (manifest, then payload)");
  cmd->add_option("KEY_GLOB", args->filter.key_glob,
                  "Keys to delete (glob; a function name selects all of its entries)")
      ->required();
  add_filter_options(*cmd, args->filter);
  // -f, -m and a bare --parallel as the original Nuthatch's command takes them.
  cmd->add_flag("-f,--force", args->force, "Delete without asking for confirmation");
  cmd->add_flag("-m,--metadata-only", args->metadata_only,
                "Delete the manifests only and keep the payloads");
  cmd->add_option("--parallel", args->parallel,
                  "Entries deleted at once (--parallel alone: " +
                      std::to_string(kBareParallel) + ")")
      ->expected(0, 1)
      ->default_str(std::to_string(kBareParallel))
      ->check(CLI::Range(1, 256));
  cmd->add_flag("--downstream", args->downstream,
                "Also delete every entry derived from them (that read them, transitively)");
  cmd->add_flag("--dry-run", args->dry_run, "List what would be deleted; delete nothing");
  cmd->add_flag("--json", args->json, "Print a JSON array of the deleted entries");
  return {cmd, [args] { return run_delete(*args); }};
}

}  // namespace nuthatch::cli
