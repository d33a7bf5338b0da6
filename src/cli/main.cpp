// The `nuthatch` command: parses the command line, runs one subcommand and maps its
// outcome to the exit status (0 ok, 1 failure, 2 usage error).

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstdio>
#include <exception>
#include <vector>

#include "cli/command.hpp"
#include "nuthatch/error.hpp"
#include "nuthatch/version.hpp"

namespace nuthatch::cli {
namespace {

// CLI11 reports --help and --version as "errors" with exit code 0; every other parse
// error is a usage error (CLI11's own codes, e.g. 105 or 106, are not used).
int report_parse_error(CLI::App& app, const CLI::ParseError& e) {
  if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(e);
  std::string help = "nuthatch --help";
  for (const CLI::App* sub : app.get_subcommands()) {
    help = fmt::format("nuthatch {} --help", sub->get_name());
  }
  fmt::print(stderr, "nuthatch: usage error: {}\nRun '{}' for more information.\n", e.what(), help);
  return kExitUsage;
}

// CLI11 reports a misspelt command as a missing one; name it instead.
bool is_unknown_command(CLI::App& app, int argc, char** argv) {
  if (argc < 2 || argv[1][0] == '-') return false;
  for (const CLI::App* sub : app.get_subcommands({})) {
    if (sub->check_name(argv[1])) return false;
  }
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands({})) names.push_back(sub->get_name());
  fmt::print(stderr, "nuthatch: usage error: unknown command '{}' (commands: {})\n", argv[1],
             fmt::join(names, ", "));
  return true;
}

int run_reporting_errors(const Command& command) {
  try {
    return command.run();
  } catch (const UsageError& e) {
    fmt::print(stderr, "nuthatch: usage error: {}\n", e.what());
    return kExitUsage;
  } catch (const std::exception& e) {
    // Failure, nuthatch::Error (messages already redacted) or anything unexpected.
    fmt::print(stderr, "nuthatch: error: {}\n", e.what());
    return kExitFailure;
  }
}

int run(int argc, char** argv) {
  CLI::App app{"Inspect and maintain nuthatch caches.", "nuthatch"};
  app.set_version_flag("--version", fmt::format("nuthatch {}", NUTHATCH_VERSION_STRING));
  app.require_subcommand(1);
  const std::vector<Command> commands = {
      add_list_command(app), add_delete_command(app), add_import_command(app),
      add_print_config_command(app), add_du_command(app), add_gc_command(app),
      add_migrate_command(app), add_status_command(app), add_lineage_command(app)};
  if (is_unknown_command(app, argc, argv)) return kExitUsage;
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return report_parse_error(app, e);
  }
  for (const Command& command : commands) {
    if (command.parser->parsed()) return run_reporting_errors(command);
  }
  return kExitUsage;  // unreachable: require_subcommand(1)
}

}  // namespace
}  // namespace nuthatch::cli

int main(int argc, char** argv) { return nuthatch::cli::run(argc, argv); }
