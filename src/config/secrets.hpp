#pragma once
// Secret values: which parts of a parameter are secret, the process-wide registry of
// secret strings that nuthatch::redact() masks, and masking for print-config.
//
// A part of a value is secret when the whole parameter is (marked secret, or named with
// secret / password / token / key / connection_string / sas / signature), or when it sits
// under an object member whose name is secret-like, at any depth (filesystem_options.key,
// filesystem_options.s3.secret, filesystem_options.connection_string).
//
// Credentials with a recognisable shape are masked in any text, configured or not
// (mask_credentials): the user-info of URLs, signature and token fields (`sig=`,
// `X-Amz-Signature=`, ...) and the secret fields of connection strings (`AccountKey=`,
// `SharedAccessSignature=`). nuthatch::redact() applies both rules; every log line, every
// nh::Error message, print-config and `list -v` pass through it: this is the one place
// where masking rules live.

#include <string_view>

#include "nuthatch/value.hpp"

namespace nuthatch::config {

/// The text that replaces a secret.
inline constexpr std::string_view kSecretMask = "****";

/// `text` with every credential of a recognisable shape replaced by "****":
///  - URL user-info: `https://user:pass@host/p` -> `https://****@host/p` (also when an
///    unencoded secret holds a '/': `s3://key:se/cret@bucket` -> `s3://****@bucket`);
///  - the value of a `<field>=` whose field is a signature, token or account key
///    (`sig`, `signature`, `X-Amz-Signature`, `X-Amz-Security-Token`, `X-Amz-Credential`,
///    `X-Goog-Signature`, `X-Goog-Credential`, `AccountKey`, `SharedAccessKey`, `password`,
///    `token`, `sas_token`, `access_token`, `refresh_token`, `client_secret`; any case),
///    up to the next `&`, `;`, `#`, quote or white space;
///  - the whole value of `SharedAccessSignature=` (a SAS, which holds `&`), up to the
///    next `;`, quote or white space.
/// Idempotent, and linear in the length of `text`.
std::string mask_credentials(std::string text);

/// Adds every secret string inside `value` to the registry (all of its strings when
/// `secret`). Strings shorter than four characters are not registered: masking them would
/// garble ordinary text. Thread-safe; the registry only grows.
void remember_secrets(const Value& value, bool secret);

/// A copy of `value` with its secret parts replaced by "****" (the whole value when
/// `secret`; credentials inside other strings as mask_credentials() does). Sets *masked
/// when anything was replaced.
Value mask_secrets(const Value& value, bool secret, bool* masked = nullptr);

}  // namespace nuthatch::config
