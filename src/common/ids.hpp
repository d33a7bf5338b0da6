#pragma once
// Random identifiers. Entry ids: 26 characters, Crockford base32 of 48 bits of
// milliseconds since the epoch followed by 80 random bits (ULID layout), so ids sort by
// creation time. Random hex: names of temporary files, probes and upload tags.
//
// Every random bit comes from random_u64(), which is fork-safe: a forked child (a
// multiprocessing worker) never repeats its parent's numbers, because the generator of
// each thread is seeded afresh whenever the process id it was seeded in changes.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace nuthatch {

/// Characters in an entry id.
inline constexpr std::size_t kEntryIdLength = 26;

/// 64 random bits (not for cryptography). Thread-safe and fork-safe (see above).
std::uint64_t random_u64();
/// 16 random lower-case hex digits (64 bits from random_u64).
std::string random_hex();

std::string new_entry_id();
/// Whether `id` is a well-formed entry id: 26 upper-case Crockford base32 characters.
bool is_entry_id(std::string_view id);
/// Milliseconds since the epoch encoded in an entry id; 0 when malformed.
std::int64_t entry_id_millis(const std::string& id);

}  // namespace nuthatch
