#pragma once
// Where the engine's log messages go. By default to standard error ("nuthatch warn: ...");
// a front end may take them instead (the Python package hands them to the `logging`
// logger "nuthatch"). Which messages are emitted at all is the `log_level` parameter
// (NUTHATCH_LOG_LEVEL; default warn): at info, each call tells where its result came from
// ("found ... in root", "computing ...", "storing ... at root"), as the original
// Nuthatch's INFO messages do.

#include <functional>
#include <string>

namespace nuthatch {

enum class LogLevel { trace, debug, info, warn, error };

/// Receives a message at or above the log level, with secrets already masked. Called from
/// whichever thread logs (engine worker threads included), possibly concurrently.
using LogSink = std::function<void(LogLevel level, const std::string& message)>;

/// Sends every later message to `sink` instead of standard error; an empty sink restores
/// standard error. Returns the sink it replaces (empty for standard error).
LogSink set_log_sink(LogSink sink);

}  // namespace nuthatch
