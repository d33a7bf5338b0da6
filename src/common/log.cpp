#include "common/log.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <set>

#include "common/redact.hpp"
#include "nuthatch/log.hpp"
#include "common/strings.hpp"

namespace nuthatch::log {
namespace {

Level level_from_env() {
  const char* env = std::getenv("NUTHATCH_LOG_LEVEL");
  if (env == nullptr) return Level::warn;
  std::string v = to_lower(env);
  if (v == "trace") return Level::trace;
  if (v == "debug") return Level::debug;
  if (v == "info") return Level::info;
  if (v == "error") return Level::error;
  if (v == "off") return Level::off;
  return Level::warn;
}

struct State {
  std::atomic<Level> level{level_from_env()};
  std::shared_ptr<spdlog::logger> logger;
  std::mutex sink_mu;  // guards sink
  std::shared_ptr<const LogSink> sink;  // null: the spdlog logger (standard error)
  std::mutex mu;  // guards once_keys and captured
  std::set<std::string, std::less<>> once_keys;
  bool capture = false;
  std::string captured;

  State() {
    logger = std::make_shared<spdlog::logger>(
        "nuthatch", std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
    logger->set_pattern("nuthatch %^%l%$: %v");
    logger->set_level(spdlog::level::trace);
  }
};

State& state() {
  static State* s = new State();  // never destroyed: usable from static destructors
  return *s;
}

void emit(Level level, std::string_view message) {
  State& s = state();
  if (level < s.level.load(std::memory_order_relaxed)) return;
  std::string text = redact_secrets(std::string(message));
  if (level >= Level::warn) {
    std::lock_guard lock(s.mu);
    if (s.capture) {
      s.captured += text;
      s.captured += '\n';
      return;
    }
  }
  std::shared_ptr<const LogSink> sink;
  {
    std::lock_guard lock(s.sink_mu);
    sink = s.sink;
  }
  if (sink) {
    (*sink)(static_cast<LogLevel>(static_cast<int>(level)), text);
    return;
  }
  s.logger->log(static_cast<spdlog::level::level_enum>(static_cast<int>(level)), text);
}
}  // namespace

void debug(std::string_view message) { emit(Level::debug, message); }
void info(std::string_view message) { emit(Level::info, message); }
void warn(std::string_view message) { emit(Level::warn, message); }
void error(std::string_view message) { emit(Level::error, message); }

void warn_once(std::string_view once_key, std::string_view message) {
  {
    State& s = state();
    std::lock_guard lock(s.mu);
    if (!s.once_keys.emplace(once_key).second) return;
  }
  warn(message);
}

void set_level(Level level) { state().level.store(level); }

}  // namespace nuthatch::log

namespace nuthatch {

LogSink set_log_sink(LogSink sink) {
  log::State& s = log::state();
  std::shared_ptr<const LogSink> next =
      sink ? std::make_shared<const LogSink>(std::move(sink)) : nullptr;
  std::shared_ptr<const LogSink> previous;
  {
    std::lock_guard lock(s.sink_mu);
    previous = std::exchange(s.sink, std::move(next));
  }
  return previous ? *previous : LogSink();
}

}  // namespace nuthatch

namespace nuthatch::log {
bool enabled(Level level) { return level >= state().level.load(std::memory_order_relaxed); }

std::string take_captured() {
  State& s = state();
  std::lock_guard lock(s.mu);
  return std::exchange(s.captured, {});
}

void set_capture(bool on) {
  State& s = state();
  std::lock_guard lock(s.mu);
  s.capture = on;
  s.captured.clear();
}

}  // namespace nuthatch::log
