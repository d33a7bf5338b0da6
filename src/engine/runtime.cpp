// Applies each configuration's RuntimeSettings (config/runtime_settings.hpp) when the
// configuration changes: the log level, the memoizer's budget, the buffer pool, and the
// backend hints (which name locations' contents).

#include "common/log.hpp"
#include "config/config.hpp"
#include "config/runtime_settings.hpp"
#include "engine/backend_hints.hpp"
#include "memo/memoizer.hpp"
#include "nuthatch/error.hpp"

namespace nuthatch {
namespace {

void apply_runtime_settings() {
  backend_hints::clear();
  config::RuntimeSettings settings;
  try {
    settings = config::runtime_settings();
  } catch (const ConfigError& e) {
    // A bad value is reported to the call that resolves it; keep what is in force.
    log::warn(e.what());
    return;
  }
  log::set_level(settings.log_level);
  Memoizer::instance().set_budget(settings.memoize_max_bytes);
  if (settings.buffer_pool) set_buffer_pool_options(*settings.buffer_pool);
}

[[maybe_unused]] const bool registered = [] {
  config::on_change(apply_runtime_settings);
  return true;
}();

}  // namespace
}  // namespace nuthatch
