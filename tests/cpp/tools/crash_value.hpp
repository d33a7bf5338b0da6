#pragma once
// Self-checking values for the crash and race tests: a vector whose every element is
// derived from its first two, so a torn or mixed value is detected; and a multi-chunk
// dataset whose every element, in every variable, is one stamp, so a mix of two entries,
// a torn chunk or fill values (0, NaN) are detected.

#include <cstdint>
#include <string>
#include <vector>

#include "nuthatch/nuthatch.hpp"

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

/// The layout of a crash dataset: two variables of `elements` each (int64 "a", float64
/// "b", 16 bytes an element in all), in chunks of `chunk` elements, compressed as
/// `compressor` says (empty: the codec's default).
struct CrashDatasetShape {
  std::int64_t elements;
  std::int64_t chunk;
  std::string compressor;
};

/// The SIGKILL test's dataset: 4 MiB in 32 chunks.
inline const CrashDatasetShape kCrashDataset{std::int64_t{1} << 18, std::int64_t{1} << 14, ""};
/// The race test's dataset: 8 MiB in 16 uncompressed chunks (every read and write moves
/// all its bytes, which widens the window a reader and a writer overlap in).
inline const CrashDatasetShape kRaceDataset{std::int64_t{1} << 19, std::int64_t{1} << 16, "none"};

/// Stamps are positive, so no stamp reads like a fill value (0 or NaN).
inline Dataset make_crash_dataset(std::int64_t stamp, const CrashDatasetShape& shape) {
  Value encoding = Value::object({{"chunks", Value::array({shape.chunk})}});
  if (!shape.compressor.empty()) encoding["compressor"] = shape.compressor;
  const auto n = static_cast<std::size_t>(shape.elements);
  Dataset d;
  d.variables.emplace(
      "a", Variable{{"x"},
                    NDArray::from_vector(std::vector<std::int64_t>(n, stamp), {shape.elements}),
                    Value::object(),
                    encoding});
  d.variables.emplace(
      "b", Variable{{"x"},
                    NDArray::from_vector(std::vector<double>(n, static_cast<double>(stamp)),
                                         {shape.elements}),
                    Value::object(),
                    encoding});
  d.attrs["stamp"] = stamp;
  return d;
}

/// What a read of a crash dataset gave: the stamp all of it holds, or what is wrong.
struct CrashDatasetCheck {
  std::int64_t stamp = 0;
  std::string problem;  ///< empty when the whole dataset holds `stamp`
};

inline CrashDatasetCheck check_crash_dataset(const Dataset& d, const CrashDatasetShape& shape) {
  CrashDatasetCheck out;
  auto fail = [&](std::string why) {
    out.problem = std::move(why);
    return out;
  };
  if (!d.attrs.is_object() || !d.attrs.contains("stamp")) return fail("no stamp attribute");
  out.stamp = d.attrs["stamp"].as<std::int64_t>();
  if (out.stamp <= 0) return fail("stamp " + std::to_string(out.stamp) + " is not positive");
  if (d.variables.size() != 2 || !d.variables.contains("a") || !d.variables.contains("b")) {
    return fail("variables are not {a, b}");
  }
  const NDArray& a = d.variables.at("a").data;
  const NDArray& b = d.variables.at("b").data;
  if (a.shape() != std::vector<std::int64_t>{shape.elements} || a.shape() != b.shape()) {
    return fail("wrong shapes");
  }
  auto av = a.values<std::int64_t>();
  auto bv = b.values<double>();
  for (std::size_t i = 0; i < av.size(); ++i) {
    if (av[i] != out.stamp) {
      return fail("a[" + std::to_string(i) + "] = " + std::to_string(av[i]) + ", stamp " +
                  std::to_string(out.stamp));
    }
    if (!(bv[i] == static_cast<double>(out.stamp))) {
      return fail("b[" + std::to_string(i) + "] = " + std::to_string(bv[i]) + ", stamp " +
                  std::to_string(out.stamp));
    }
  }
  return out;
}

}  // namespace nuthatch::testing
