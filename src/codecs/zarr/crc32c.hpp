#pragma once
// CRC32C (Castagnoli), for the Zarr v3 `crc32c` codec.

#include <cstdint>
#include <string_view>

namespace nuthatch::zarr {

/// CRC32C of `data` (reflected polynomial 0x82F63B78, initial and final xor 0xFFFFFFFF):
/// crc32c("123456789") == 0xE3069283.
std::uint32_t crc32c(std::string_view data);

}  // namespace nuthatch::zarr
