#pragma once
// The subcommands of the `nuthatch` command (DESIGN §9). Each lives in its own
// <name>_command.cpp and is added to the top-level parser by main.cpp.

#include <CLI/CLI.hpp>

#include <functional>
#include <stdexcept>
#include <string>

namespace nuthatch::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

/// A command that could not do what was asked (exit status 1). The message names what
/// failed; main.cpp prints it as `nuthatch: error: <message>`.
class Failure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A command-line value that is well-formed for the parser but invalid (exit status 2).
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A subcommand: its parser, and what runs it once the command line is parsed. `run`
/// returns the exit status; it may throw Failure, UsageError or nuthatch::Error.
struct Command {
  CLI::App* parser = nullptr;
  std::function<int()> run;
};

Command add_list_command(CLI::App& app);
Command add_delete_command(CLI::App& app);
Command add_import_command(CLI::App& app);
Command add_print_config_command(CLI::App& app);
Command add_du_command(CLI::App& app);
Command add_gc_command(CLI::App& app);
Command add_migrate_command(CLI::App& app);
Command add_status_command(CLI::App& app);
Command add_lineage_command(CLI::App& app);

}  // namespace nuthatch::cli
