#pragma once
// Content hashes (xxh3) used for checksums and long key segments.

#include <cstdint>
#include <string>
#include <string_view>

namespace nuthatch {

/// 32 lowercase hex characters of the xxh3-128 hash of `data`.
std::string xxh3_128_hex(std::string_view data);
/// "xxh3-128:<hex>", the manifest checksum format.
std::string checksum_of(std::string_view data);
std::uint64_t xxh3_64(std::string_view data);

}  // namespace nuthatch
