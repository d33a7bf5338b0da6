// `nuthatch list [KEY_GLOB] [--namespace NS] [--backend B] [--location L] [-v] [--json]`.
// Without -v only the storage listing is used (no manifest read per entry), so listing
// a large location costs one recursive list of meta/. Everything printed passes through
// redact(): a manifest written before arguments were kept out of it (or by hand) may
// hold a credential, and it never reaches the terminal (arguments with secret-like names
// are masked whole).

#include <fmt/format.h>

#include <memory>

#include "cli/command.hpp"
#include "cli/output.hpp"
#include "cli/selection.hpp"
#include "common/strings.hpp"
#include "config/secrets.hpp"
#include "nuthatch/config.hpp"

namespace nuthatch::cli {
namespace {

struct ListArgs {
  EntryFilter filter;
  bool verbose = false;
  bool json = false;
};

using Manifests = std::vector<std::optional<Manifest>>;

Json list_json(const std::vector<ListedEntry>& entries, const Manifests& manifests) {
  Json out = Json::array();
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const EntryInfo& e = entries[i].info;
    Json row = {{"location", e.location},
                          {"namespace", e.ns},
                          {"key", e.key},
                          {"backend", e.backend},
                          {"modified", format_time(e.mtime_ns)}};
    if (!manifests.empty() && manifests[i]) row.update(manifest_json(*manifests[i]));
    out.push_back(std::move(row));
  }
  return out;
}

void print_list_table(const std::vector<ListedEntry>& entries, const Manifests& manifests,
                      bool show_location) {
  std::vector<std::string> headers = {"NAMESPACE", "KEY", "BACKEND", "MODIFIED"};
  if (show_location) headers.insert(headers.begin(), "LOCATION");
  const bool verbose = !manifests.empty();
  if (verbose) headers.insert(headers.end(), {"VERSION", "SIZE", "ENTRY_ID", "CREATED", "USER"});
  Table table(std::move(headers));
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const EntryInfo& e = entries[i].info;
    std::vector<std::string> row = {e.ns, e.key, e.backend, format_time(e.mtime_ns)};
    if (show_location) row.insert(row.begin(), e.location);
    if (verbose && manifests[i]) {
      const Manifest& m = *manifests[i];
      row.insert(row.end(), {m.version.empty() ? "-" : m.version, human_bytes(m.bytes),
                             m.entry_id, m.created, m.user});
    } else if (verbose) {
      row.insert(row.end(), {"?", "?", "?", "?", "?"});  // vanished or unreadable
    }
    for (std::string& cell : row) cell = redact(std::move(cell));
    table.add_row(std::move(row));
  }
  table.print();
}

int run_list(const ListArgs& args) {
  std::vector<ListedEntry> entries = select_entries(args.filter);
  Manifests manifests;
  if (args.verbose) {
    manifests = read_manifests(entries, !args.json);
    for (std::optional<Manifest>& m : manifests) {
      if (m) m->args = config::mask_secrets(m->args, false);  // secret-named arguments
    }
  }
  if (args.json) {
    const std::string text = redact(json_text(list_json(entries, manifests)));
    std::fwrite(text.data(), 1, text.size(), stdout);
  } else if (entries.empty()) {
    fmt::print("No entries {}.\n", describe(args.filter));
  } else {
    print_list_table(entries, manifests, args.filter.location == kAllLocations);
  }
  return kExitOk;
}

}  // namespace

Command add_list_command(CLI::App& app) {
  auto args = std::make_shared<ListArgs>();
  CLI::App* cmd = app.add_subcommand("list", "List the entries of a location");
  cmd->add_option("KEY_GLOB", args->filter.key_glob,
                  "Keys to list (glob; a function name lists all of its entries)");
  add_filter_options(*cmd, args->filter);
  cmd->add_flag("-v,--verbose", args->verbose,
                "Read each manifest: version, size, entry id, creation time, user");
  cmd->add_flag("--json", args->json, "Print a JSON array instead of a table");
  return {cmd, [args] { return run_list(*args); }};
}

}  // namespace nuthatch::cli
