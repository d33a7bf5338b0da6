// `nuthatch du [--location L] [--namespace NS] [--backend B] [--json]`: stored bytes per
// namespace, from the `bytes` of every manifest (payload size; 0 for null entries).

#include <fmt/format.h>

#include <map>
#include <memory>
#include <tuple>

#include "cli/command.hpp"
#include "cli/output.hpp"
#include "cli/selection.hpp"
#include "common/strings.hpp"

namespace nuthatch::cli {
namespace {

struct DuArgs {
  EntryFilter filter;
  bool json = false;
};

struct Usage {
  std::uint64_t entries = 0;
  std::uint64_t bytes = 0;
  void add(const Usage& u) {
    entries += u.entries;
    bytes += u.bytes;
  }
};

using UsageByNamespace = std::map<std::pair<std::string, std::string>, Usage>;  // (location, ns)

UsageByNamespace measure(const std::vector<ListedEntry>& entries, bool show_progress) {
  std::vector<std::optional<Manifest>> manifests = read_manifests(entries, show_progress);
  UsageByNamespace usage;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (!manifests[i]) continue;  // deleted meanwhile, or unreadable (warned)
    Usage& u = usage[{entries[i].info.location, entries[i].info.ns}];
    ++u.entries;
    u.bytes += manifests[i]->bytes;
  }
  return usage;
}

void print_json_usage(const UsageByNamespace& usage, const Usage& total) {
  Json rows = Json::array();
  for (const auto& [where, u] : usage) {
    rows.push_back({{"location", where.first},
                    {"namespace", where.second},
                    {"entries", u.entries},
                    {"bytes", u.bytes}});
  }
  print_json({{"namespaces", std::move(rows)},
              {"total", {{"entries", total.entries}, {"bytes", total.bytes}}}});
}

void print_table_usage(const UsageByNamespace& usage, const Usage& total) {
  Table table({"LOCATION", "NAMESPACE", "ENTRIES", "SIZE", "BYTES"});
  for (const auto& [where, u] : usage) {
    table.add_row({where.first, where.second, std::to_string(u.entries), human_bytes(u.bytes),
                   std::to_string(u.bytes)});
  }
  table.add_row({"TOTAL", "", std::to_string(total.entries), human_bytes(total.bytes),
                 std::to_string(total.bytes)});
  table.print();
}

int run_du(const DuArgs& args) {
  UsageByNamespace usage = measure(select_entries(args.filter), !args.json);
  Usage total;
  for (const auto& [where, u] : usage) total.add(u);
  if (args.json) {
    print_json_usage(usage, total);
  } else {
    print_table_usage(usage, total);
  }
  return kExitOk;
}

}  // namespace

Command add_du_command(CLI::App& app) {
  auto args = std::make_shared<DuArgs>();
  CLI::App* cmd = app.add_subcommand("du", "Show the bytes stored per namespace");
  add_filter_options(*cmd, args->filter);
  cmd->add_flag("--json", args->json, "Print JSON instead of a table");
  return {cmd, [args] { return run_du(*args); }};
}

}  // namespace nuthatch::cli
