// Reading sharding_indexed arrays: shards written by hand (as zarr-python and tensorstore
// lay them out), with the index at the end or the start, empty inner chunks, missing
// shards, selections that read only the inner chunks they need, and a corrupt index.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <limits>
#include <set>

#include "codecs/zarr/compressor.hpp"
#include "codecs/zarr/crc32c.hpp"
#include "codecs/zarr/group.hpp"
#include "codecs/zarr/zarr_test_support.hpp"
#include "common/json.hpp"
#include "nuthatch/nuthatch.hpp"

namespace nuthatch::zarr {
namespace {

using ::testing::HasSubstr;
using testing::CountingStorage;
using testing::memory_url;

constexpr std::int64_t kRows = 6;
constexpr std::int64_t kCols = 4;
constexpr std::int64_t kShardRows = 4;  // shards of 4 x 4, inner chunks of 2 x 2
constexpr std::int64_t kInner = 2;
constexpr double kFill = -1.0;
constexpr std::uint64_t kEmpty = std::numeric_limits<std::uint64_t>::max();

double value_at(std::int64_t y, std::int64_t x) { return static_cast<double>(y * 10 + x); }

void put_u64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

/// One shard's bytes: inner chunks (bytes + zstd) and an index with bytes + crc32c.
/// `skipped` lists local inner positions to leave empty.
std::string shard_bytes(std::int64_t shard_row, bool index_at_start,
                        const std::set<int>& skipped) {
  const CompressorPtr zstd = make_compressor("zstd", Value::object(), sizeof(double));
  constexpr std::uint64_t kIndexBytes = 4 * 16 + 4;
  std::string body, index;
  for (int pos = 0; pos < 4; ++pos) {
    const std::int64_t y0 = shard_row * kShardRows + (pos / 2) * kInner;
    const std::int64_t x0 = (pos % 2) * kInner;
    if (skipped.contains(pos) || y0 >= kRows) {
      put_u64(index, kEmpty);
      put_u64(index, kEmpty);
      continue;
    }
    std::vector<double> raw;
    for (std::int64_t y = y0; y < y0 + kInner; ++y) {
      for (std::int64_t x = x0; x < x0 + kInner; ++x) raw.push_back(value_at(y, x));
    }
    std::string encoded = zstd->encode(std::string_view(
        reinterpret_cast<const char*>(raw.data()), raw.size() * sizeof(double)));
    put_u64(index, body.size() + (index_at_start ? kIndexBytes : 0));
    put_u64(index, encoded.size());
    body += encoded;
  }
  const std::uint32_t crc = crc32c(index);
  for (int i = 0; i < 4; ++i) index.push_back(static_cast<char>((crc >> (8 * i)) & 0xFF));
  return index_at_start ? index + body : body + index;
}

Value codec(const char* name, Value config = Value::object()) {
  return Value::object({{"name", name}, {"configuration", config}});
}

/// A group with array "a" (y, x) of kRows x kCols in shards of 4 x 4; inner chunk 3
/// (rows 2-3, cols 2-3) of the first shard is empty.
std::string sharded_store(const char* index_location) {
  const std::string url = memory_url("shard");
  auto storage = StorageRegistry::open(url);
  storage->write("zarr.json", R"({"zarr_format":3,"node_type":"group","attributes":{}})");
  Value sharding = codec(
      "sharding_indexed",
      Value::object({{"chunk_shape", Value::array({kInner, kInner})},
                     {"codecs", Value::array({codec("bytes", Value::object({{"endian", "little"}})),
                                              codec("zstd", Value::object({{"level", 0}}))})},
                     {"index_codecs", Value::array({codec("bytes", Value::object({{"endian", "little"}})),
                                                    codec("crc32c")})},
                     {"index_location", index_location}}));
  Value meta = Value::object(
      {{"zarr_format", 3}, {"node_type", "array"}, {"shape", Value::array({kRows, kCols})},
       {"data_type", "float64"},
       {"chunk_grid", Value::object({{"name", "regular"},
                                     {"configuration", Value::object({{"chunk_shape",
                                         Value::array({kShardRows, kCols})}})}})},
       {"chunk_key_encoding", Value::object({{"name", "default"}})},
       {"fill_value", kFill}, {"codecs", Value::array({sharding})},
       {"dimension_names", Value::array({"y", "x"})}});
  storage->write("a/zarr.json", to_json(meta));
  const bool at_start = std::string_view(index_location) == "start";
  storage->write("a/c/0/0", shard_bytes(0, at_start, {3}));
  storage->write("a/c/1/0", shard_bytes(1, at_start, {}));
  return url;
}

bool in_skipped_chunk(std::int64_t y, std::int64_t x) { return y >= 2 && y < 4 && x >= 2; }

void expect_values(const NDArray& data, std::int64_t y0, std::int64_t x0) {
  const auto values = data.values<double>();
  const std::int64_t cols = data.shape()[1];
  for (std::int64_t i = 0; i < data.size(); ++i) {
    const std::int64_t y = y0 + i / cols, x = x0 + i % cols;
    const double expected = in_skipped_chunk(y, x) ? kFill : value_at(y, x);
    EXPECT_EQ(values[static_cast<std::size_t>(i)], expected) << "at " << y << ", " << x;
  }
}

TEST(ZarrSharding, ReadsShardsWithTheIndexAtEitherEnd) {
  for (const char* location : {"end", "start"}) {
    SCOPED_TRACE(location);
    const Dataset ds = read(sharded_store(location));
    const NDArray& data = ds.variables.at("a").data;
    ASSERT_EQ(data.shape(), (std::vector<std::int64_t>{kRows, kCols}));
    expect_values(data, 0, 0);
  }
}

TEST(ZarrSharding, SelectionReadsOnlyTheIndexesAndInnerChunksItNeeds) {
  const std::string url = sharded_store("end");
  CountingStorage counting(StorageRegistry::open(url));
  Selection sel{{{"y", 3, 5}, {"x", 1, 3}}};
  const Dataset part = read_group(counting, "", &sel);
  const NDArray& data = part.variables.at("a").data;
  ASSERT_EQ(data.shape(), (std::vector<std::int64_t>{2, 2}));
  expect_values(data, 3, 1);
  // Two indexes; shard 0 needs inner chunks 2 and 3 (3 is empty), shard 1 chunks 0 and 1.
  EXPECT_EQ(counting.chunk_reads.load(), 2 + 1 + 2);
}

TEST(ZarrSharding, MissingShardReadsAsTheFillValue) {
  const std::string url = sharded_store("start");
  StorageRegistry::open(url)->remove({"a/c/1/0"});
  const Dataset ds = read(url);
  const auto values = ds.variables.at("a").data.values<double>();
  EXPECT_EQ(values[0], 0.0);
  EXPECT_EQ(values[4 * kCols], kFill);
  EXPECT_EQ(values[kRows * kCols - 1], kFill);
}

TEST(ZarrSharding, MissingShardIsAnErrorWhenTheWriterWroteEveryChunk) {
  const std::string url = sharded_store("end");
  StorageRegistry::open(url)->remove({"a/c/1/0"});
  try {
    read(url, ReadOptions{.missing_chunks = MissingChunks::error});
    ADD_FAILURE() << "no error";
  } catch (const CodecError& e) {
    EXPECT_THAT(e.what(), HasSubstr("shard 'a/c/1/0' of store " + url + " is missing"));
  }
  // An inner chunk that an intact index marks empty is what the writer wrote: the fill.
  const Selection first_shard{{{"y", 0, 4}}};
  const Dataset ds = read(url, first_shard, ReadOptions{.missing_chunks = MissingChunks::error});
  expect_values(ds.variables.at("a").data, 0, 0);
}

TEST(ZarrSharding, CorruptIndexNamesArrayAndShard) {
  const std::string url = sharded_store("end");
  auto storage = StorageRegistry::open(url);
  std::string shard = *storage->read("a/c/0/0");
  shard[shard.size() - 10] ^= 0x5A;
  storage->write("a/c/0/0", shard);
  try {
    read(url);
    ADD_FAILURE() << "no error";
  } catch (const CodecError& e) {
    EXPECT_THAT(e.what(), HasSubstr("zarr array 'a'"));
    EXPECT_THAT(e.what(), HasSubstr("shard 'a/c/0/0'"));
    EXPECT_THAT(e.what(), HasSubstr("checksum mismatch"));
  }
  storage->write("a/c/0/0", "short");
  EXPECT_THROW(read(url), CodecError);
}

}  // namespace
}  // namespace nuthatch::zarr
