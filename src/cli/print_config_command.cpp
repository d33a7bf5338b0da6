// `nuthatch print-config [--location L] [--backend B] [--show-secrets] [--json]`: the
// effective parameters and where each comes from. Secret values are masked by
// config::dump; the printed text additionally passes through redact(), so a secret
// copied into a non-secret parameter is masked too.

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <memory>

#include "cli/command.hpp"
#include "cli/output.hpp"
#include "common/json.hpp"
#include "config/config.hpp"
#include "nuthatch/config.hpp"

namespace nuthatch::cli {
namespace {

struct PrintConfigArgs {
  std::string location;  ///< "" = every location
  std::string backend;   ///< "" = every backend; else this backend and the location-wide ones
  bool show_secrets = false;
  bool json = false;
};

bool selected(const config::ParamEntry& p, const PrintConfigArgs& args) {
  if (!args.location.empty() && p.location != args.location) return false;
  return args.backend.empty() || p.backend.empty() || p.backend == args.backend;
}

std::string section_of(const config::ParamEntry& p) {
  return p.backend.empty() ? p.location : p.location + "." + p.backend;
}

std::string render_human(const std::vector<config::ParamEntry>& params) {
  std::string out;
  std::string section;
  for (const config::ParamEntry& p : params) {
    if (out.empty() || section_of(p) != section) {
      section = section_of(p);
      out += fmt::format("{}[{}]\n", out.empty() ? "" : "\n", section);
    }
    out += fmt::format("  {} = {}   ({})\n", p.name, nuthatch::to_json(p.value), p.source);
  }
  return out;
}

std::string render_json(const std::vector<config::ParamEntry>& params) {
  Json out = Json::array();
  for (const config::ParamEntry& p : params) {
    out.push_back({{"location", p.location},
                   {"backend", string_or_null(p.backend)},
                   {"name", p.name},
                   {"value", json_of(p.value)},
                   {"source", p.source},
                   {"secret", p.secret}});
  }
  return json_text(out);
}

void check_location(const std::string& location) {
  if (location.empty()) return;
  const std::vector<std::string> names = config::location_names();
  if (std::find(names.begin(), names.end(), location) != names.end()) return;
  throw Failure(fmt::format("unknown location '{}' (configured: {})", location,
                            fmt::join(names, ", ")));
}

int run_print_config(const PrintConfigArgs& args) {
  check_location(args.location);
  std::vector<config::ParamEntry> params;
  for (config::ParamEntry& p : config::dump(args.show_secrets)) {
    if (selected(p, args)) params.push_back(std::move(p));
  }
  std::string text;
  if (args.json) {
    text = render_json(params);
  } else if (params.empty()) {
    text = "No parameters set (built-in defaults apply).\n";
  } else {
    text = render_human(params);
  }
  if (!args.show_secrets) text = redact(std::move(text));
  std::fwrite(text.data(), 1, text.size(), stdout);
  return kExitOk;
}

}  // namespace

Command add_print_config_command(CLI::App& app) {
  auto args = std::make_shared<PrintConfigArgs>();
  CLI::App* cmd = app.add_subcommand("print-config", "Print the effective configuration");
  cmd->add_option("--location", args->location, "Only this location (root, local, mirror-...)");
  cmd->add_option("--backend", args->backend,
                  "Only the parameters that apply to this backend");
  cmd->add_flag("-s,--show-secrets", args->show_secrets, "Show secret values instead of ****");
  cmd->add_flag("--json", args->json, "Print a JSON array");
  return {cmd, [args] { return run_print_config(*args); }};
}

}  // namespace nuthatch::cli
