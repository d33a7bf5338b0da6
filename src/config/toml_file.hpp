#pragma once
// Reading configuration files (the only translation unit that includes toml++).
//
// Inside the nuthatch table: a top-level key is a root parameter; a sub-table named
// root, local or mirror-<name> holds that location's parameters; any other sub-table
// (at the top level or inside a location table) is a per-backend override of its
// location (root at the top level), except the table-valued parameters
// (filesystem_options, backend_kwargs, storage_backend_kwargs), which are values.

#include <filesystem>

#include "config/params.hpp"

namespace nuthatch::config {

/// Which table of a file holds nuthatch's parameters.
enum class FileKind {
  home,       ///< ~/.nuthatch.toml: [nuthatch], else [tool.nuthatch], else the top level
  nuthatch,   ///< nuthatch.toml: [nuthatch], else the top level
  pyproject,  ///< pyproject.toml: [tool.nuthatch]; nothing when absent
};

/// Reads a configuration file. Throws ConfigError for an unreadable file, malformed TOML
/// ("malformed TOML in <path> at line L, column C: ..."), or a location that is not a
/// table. Values are not type-checked here (that happens when they are used, naming
/// the file).
ParamTable read_config_file(const std::filesystem::path& path, FileKind kind);

}  // namespace nuthatch::config
