#pragma once
// Logging for every layer. Messages pass through redact_secrets() (common/redact.hpp;
// secret values are masked) before they reach the sink. Level from the `log_level`
// parameter or NUTHATCH_LOG_LEVEL (trace, debug, info, warn, error, off); default warn.

#include <string>
#include <string_view>

namespace nuthatch::log {

enum class Level { trace, debug, info, warn, error, off };

void debug(std::string_view message);
void info(std::string_view message);
void warn(std::string_view message);
void error(std::string_view message);
/// Logs a warning only the first time `once_key` is seen in this process.
void warn_once(std::string_view once_key, std::string_view message);
void set_level(Level level);
bool enabled(Level level);

/// Installs a capture of warning-and-above messages (tests); returns what was captured
/// since the previous call.
std::string take_captured();
void set_capture(bool on);

}  // namespace nuthatch::log
