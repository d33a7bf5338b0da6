#include "common/hash.hpp"

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <cstdio>

namespace nuthatch {

std::string xxh3_128_hex(std::string_view data) {
  XXH128_hash_t h = XXH3_128bits(data.data(), data.size());
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(h.high64),
                static_cast<unsigned long long>(h.low64));
  return std::string(buf, 32);
}

std::string checksum_of(std::string_view data) { return "xxh3-128:" + xxh3_128_hex(data); }

std::uint64_t xxh3_64(std::string_view data) { return XXH3_64bits(data.data(), data.size()); }

}  // namespace nuthatch
