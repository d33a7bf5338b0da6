#pragma once
// Self-checking values for the crash and race tests: a vector whose every element is
// derived from its first two, so a torn or mixed value is detected.

#include <cstdint>
#include <vector>

namespace nuthatch::testing {

inline std::vector<std::int64_t> make_crash_value(std::int64_t seed, std::size_t n) {
  std::vector<std::int64_t> v(n < 2 ? 2 : n);
  v[0] = static_cast<std::int64_t>(v.size());
  v[1] = seed;
  for (std::size_t i = 2; i < v.size(); ++i) v[i] = seed * 1000003 + static_cast<std::int64_t>(i);
  return v;
}

inline bool crash_value_ok(const std::vector<std::int64_t>& v) {
  if (v.size() < 2 || v[0] != static_cast<std::int64_t>(v.size())) return false;
  for (std::size_t i = 2; i < v.size(); ++i) {
    if (v[i] != v[1] * 1000003 + static_cast<std::int64_t>(i)) return false;
  }
  return true;
}

}  // namespace nuthatch::testing
