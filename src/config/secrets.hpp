#pragma once
// Secret values: which parts of a parameter are secret, the process-wide registry of
// secret strings that nuthatch::redact() masks, and masking for print-config.
//
// A part of a value is secret when the whole parameter is (marked secret, or named with
// secret / password / token / key), or when it sits under an object member whose name
// is secret-like, at any depth (filesystem_options.key, filesystem_options.s3.secret).

#include <string_view>

#include "nuthatch/value.hpp"

namespace nuthatch::config {

/// The text that replaces a secret.
inline constexpr std::string_view kSecretMask = "****";

/// Adds every secret string inside `value` to the registry (all of its strings when
/// `secret`). Strings shorter than four characters are not registered: masking them would
/// garble ordinary text. Thread-safe; the registry only grows.
void remember_secrets(const Value& value, bool secret);

/// A copy of `value` with its secret parts replaced by "****" (the whole value when
/// `secret`). Sets *masked when anything was replaced.
Value mask_secrets(const Value& value, bool secret, bool* masked = nullptr);

}  // namespace nuthatch::config
