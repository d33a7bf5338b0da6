// `nuthatch status [KEY_GLOB] [filters] [--json]`: each entry fresh, stale or
// input-missing, with the reasons the store alone can tell: inputs recomputed, deleted or
// stale since (transitively), and code that differs from the newest fingerprint a later
// run of the same function recorded. The rules are location/staleness.hpp's.

#include <fmt/format.h>

#include <memory>

#include "cli/command.hpp"
#include "cli/entry_graph.hpp"
#include "cli/output.hpp"
#include "common/strings.hpp"
#include "config/secrets.hpp"
#include "nuthatch/config.hpp"

namespace nuthatch::cli {
namespace {

struct StatusArgs {
  EntryFilter filter;
  bool json = false;
};

int run_status(const StatusArgs& args) {
  const EntryGraph graph = EntryGraph::load(!args.json);
  Json out = Json::array();
  Table table({"LOCATION", "NAMESPACE", "KEY", "BACKEND", "STATE", "REASONS"});
  std::size_t shown = 0;
  std::size_t stale = 0;
  for (std::size_t i = 0; i < graph.entries().size(); ++i) {
    const EntryInfo& e = graph.entries()[i].listed.info;
    if (!passes(args.filter, e)) continue;
    if (args.filter.location != kAllLocations && e.location != args.filter.location) continue;
    const staleness::Verdict v = graph.verdict(i);
    const std::string state = EntryGraph::state_of(v);
    ++shown;
    if (v.stale()) ++stale;
    if (args.json) {
      out.push_back({{"location", e.location}, {"namespace", e.ns}, {"key", e.key},
                     {"backend", e.backend},
                     {"entry_id", graph.entries()[i].manifest.entry_id},
                     {"state", state}, {"reasons", v.reasons}});
    } else {
      table.add_row({e.location, e.ns, redact(e.key), e.backend, state,
                     v.reasons.empty() ? "-" : staleness::describe(v.reasons)});
    }
  }
  if (args.json) {
    const std::string text = redact(json_text(out));
    std::fwrite(text.data(), 1, text.size(), stdout);
  } else if (shown == 0) {
    fmt::print("No entries {}.\n", describe(args.filter));
  } else {
    table.print();
    fmt::print("{} of {} entries stale.\n", stale, shown);
  }
  return kExitOk;
}

}  // namespace

Command add_status_command(CLI::App& app) {
  auto args = std::make_shared<StatusArgs>();
  CLI::App* cmd = app.add_subcommand(
      "status", "Show whether entries are fresh or stale (inputs and code changed since)");
  cmd->add_option("KEY_GLOB", args->filter.key_glob,
                  "Keys to show (glob; a function name selects all of its entries)");
  add_filter_options(*cmd, args->filter);
  cmd->add_flag("--json", args->json, "Print a JSON array instead of a table");
  return {cmd, [args] { return run_status(*args); }};
}

}  // namespace nuthatch::cli
