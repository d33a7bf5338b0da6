#pragma once
// The process-wide settings that follow the configuration (DESIGN §6): one snapshot per
// configuration generation, read in one place. The engine applies each new snapshot from
// a configuration listener (config::on_change), so a change takes effect when it is made,
// not when some thread next resolves a call.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "common/log.hpp"
#include "nuthatch/memory.hpp"

namespace nuthatch::config {

struct RuntimeSettings {
  log::Level log_level = log::Level::warn;  ///< `log_level`
  /// The memoizer's local pool: `local_cache_size` (a size such as "2GB"), else
  /// `memoize_max_bytes`.
  std::size_t memoize_max_bytes = 0;
  /// Its remote pool (persisted dask-backed results): `remote_cache_size`, else 32 GB.
  std::size_t memoize_remote_bytes = 32'000'000'000;
  /// `buffer_pool_bytes` / `buffer_pool_idle_ms` when either is configured (they are also
  /// read from NUTHATCH_BUFFER_POOL_* at start-up); std::nullopt leaves the pool's
  /// options as they are (set_buffer_pool_options() in code).
  std::optional<BufferPoolOptions> buffer_pool;
};

/// The log level a `log_level` value names, or std::nullopt (the one table of names,
/// used to check the parameter and to apply it).
std::optional<log::Level> log_level_named(std::string_view name);
/// The names log_level_named() knows, for messages.
std::string log_level_names();

/// The settings of the current configuration. Throws ConfigError for a parameter of the
/// wrong type or value, naming it.
RuntimeSettings runtime_settings();

}  // namespace nuthatch::config
