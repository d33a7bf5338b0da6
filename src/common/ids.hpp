#pragma once
// Entry ids: 26 characters, Crockford base32 of 48 bits of milliseconds since the epoch
// followed by 80 random bits (ULID layout), so ids sort by creation time.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace nuthatch {

/// Characters in an entry id.
inline constexpr std::size_t kEntryIdLength = 26;

std::string new_entry_id();
/// Whether `id` is a well-formed entry id: 26 upper-case Crockford base32 characters.
bool is_entry_id(std::string_view id);
/// Milliseconds since the epoch encoded in an entry id; 0 when malformed.
std::int64_t entry_id_millis(const std::string& id);

}  // namespace nuthatch
