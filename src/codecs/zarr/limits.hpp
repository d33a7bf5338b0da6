#pragma once
// Limits on what a Zarr store may declare. Every number read from storage (shapes, chunk
// shapes, item sizes, index entries, string lengths) is checked against these before it
// sizes an allocation or a loop, so stored bytes cannot make a reader allocate without
// bound, overflow an integer or run for ever.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace nuthatch::zarr {

/// Dimensions of an array (numpy's own limit).
inline constexpr std::size_t kMaxDims = 64;
/// Elements of a whole array: large enough for any store a machine can hold, small enough
/// that element counts times item sizes never overflow int64.
inline constexpr std::int64_t kMaxArrayElements = std::int64_t{1} << 50;
/// Elements of one chunk (or shard).
inline constexpr std::int64_t kMaxChunkElements = std::int64_t{1} << 31;
/// Decoded bytes of one chunk of fixed-size elements (or of one shard).
inline constexpr std::int64_t kMaxChunkBytes = std::int64_t{1} << 31;
/// Decoded bytes of one chunk of variable-length strings, whose size the metadata does
/// not fix: what a decompressor may produce for it at most.
inline constexpr std::size_t kMaxVlenChunkBytes = std::size_t{1} << 28;
/// Elements of one chunk of variable-length strings (each decodes to a std::string).
inline constexpr std::int64_t kMaxVlenChunkElements = std::int64_t{1} << 24;
/// Bytes of one fixed-width string element ("<U n": 4 n).
inline constexpr std::int64_t kMaxItemBytes = std::int64_t{1} << 20;
/// Entries of one shard index (inner chunks per shard).
inline constexpr std::int64_t kMaxShardEntries = std::int64_t{1} << 24;

/// a * b when it fits in [0, limit], else std::nullopt (a, b >= 0).
inline std::optional<std::int64_t> checked_mul(std::int64_t a, std::int64_t b, std::int64_t limit) {
  if (a < 0 || b < 0) return std::nullopt;
  if (a != 0 && b > limit / a) return std::nullopt;
  return a * b;
}

/// The product of `sizes` when every partial product fits in [0, limit], else std::nullopt.
inline std::optional<std::int64_t> checked_product(std::span<const std::int64_t> sizes,
                                                   std::int64_t limit) {
  std::int64_t n = 1;
  for (std::int64_t s : sizes) {
    const std::optional<std::int64_t> next = checked_mul(n, s, limit);
    if (!next) return std::nullopt;
    n = *next;
  }
  return n;
}

}  // namespace nuthatch::zarr
