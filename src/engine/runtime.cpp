// Applies each configuration's RuntimeSettings (config/runtime_settings.hpp) when the
// configuration changes: the log level, the memoizer's budget, the buffer pool, and the
// backend hints (which name locations' contents).

#include <mutex>
#include <optional>

#include "common/log.hpp"
#include "config/config.hpp"
#include "config/runtime_settings.hpp"
#include "engine/backend_hints.hpp"
#include "memo/memoizer.hpp"
#include "nuthatch/error.hpp"

namespace nuthatch {
namespace {

// The buffer pool's options before the configuration first set them (from the
// environment at start-up, or set in code), restored when a later configuration no longer
// sets them (reset_config() resets everything the configuration applied).
std::optional<BufferPoolOptions>& pool_before_configuration() {
  static std::optional<BufferPoolOptions> before;
  return before;
}

void apply_buffer_pool(const std::optional<BufferPoolOptions>& configured) {
  std::optional<BufferPoolOptions>& before = pool_before_configuration();
  if (configured) {
    if (!before) before = buffer_pool_options();
    set_buffer_pool_options(*configured);
  } else if (before) {
    set_buffer_pool_options(*before);
    before.reset();
  }
}

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
  static std::mutex applying;  // two threads changing the configuration apply in turn
  std::lock_guard lock(applying);
  log::set_level(settings.log_level);
  Memoizer::instance().set_budget(settings.memoize_max_bytes, MemoryPool::local);
  Memoizer::instance().set_budget(settings.memoize_remote_bytes, MemoryPool::remote);
  apply_buffer_pool(settings.buffer_pool);
}

[[maybe_unused]] const bool registered = [] {
  config::on_change(apply_runtime_settings);
  return true;
}();

}  // namespace
}  // namespace nuthatch
