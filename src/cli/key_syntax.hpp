#pragma once
// The syntax of a cache key typed on the command line (DESIGN §2):
// `<function>/<arg>=<encoded value>/...`, values percent-encoded to [A-Za-z0-9._-] or
// hashed as `~<32 hex>`.

#include <string>

#include "nuthatch/value.hpp"

namespace nuthatch::cli {

/// Throws UsageError naming the key and the bad segment unless every segment is a valid
/// function name or an `arg=value` segment as the engine writes it.
void validate_key(const std::string& key);

/// The arguments a valid key spells, as an object of decoded strings (hashed values,
/// which cannot be decoded, are left out).
Value key_args(const std::string& key);

}  // namespace nuthatch::cli
