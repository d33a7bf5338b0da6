#pragma once
// The secret redactor, as every layer sees it. Every log line (common/log.hpp) and every
// nh::Error message passes through redact_secrets(); the masking rules themselves live in
// config (config/secrets.hpp), which installs them here when the library loads, so common
// masks secrets without knowing config.

#include <string>

namespace nuthatch {

/// Masks the secrets in a text; must be thread-safe and must not throw nh::Error (whose
/// constructor calls it).
using Redactor = std::string (*)(std::string text);

/// Installs the redactor (nullptr: none). Thread-safe; the last call wins.
void set_redactor(Redactor redactor);

/// `text` passed through the installed redactor; unchanged when none is installed.
std::string redact_secrets(std::string text);

}  // namespace nuthatch
