#pragma once
// Entry ids: 26 characters, Crockford base32 of 48 bits of milliseconds since the epoch
// followed by 80 random bits (ULID layout), so ids sort by creation time.

#include <cstdint>
#include <string>

namespace nuthatch {

std::string new_entry_id();
/// Milliseconds since the epoch encoded in an entry id; 0 when malformed.
std::int64_t entry_id_millis(const std::string& id);

}  // namespace nuthatch
