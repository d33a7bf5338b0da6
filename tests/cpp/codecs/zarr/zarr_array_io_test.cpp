// Chunk I/O of one array (array_io): every read path (decoded straight into the output,
// through a per-thread buffer, missing chunks as the fill value, sharded), each with the
// chunks read on the decoding threads and fetched ahead by a ChunkReader, and every write
// path (encoded straight from the source, gathered and padded) against a naive model,
// on boxes aligned and not aligned to chunks, edge chunks, zero-size dimensions, several
// byte codecs in a row, and failures in the middle of a parallel read or write.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "codecs/zarr/array_io.hpp"
#include "codecs/zarr/chunk_codec.hpp"
#include "codecs/zarr/chunk_reader.hpp"
#include "codecs/zarr/compressor.hpp"
#include "codecs/zarr/sharding.hpp"
#include "codecs/zarr/zarr_test_support.hpp"
#include "nuthatch/nuthatch.hpp"
#include "support/s3_server.hpp"

namespace nuthatch::zarr {
namespace {

using ::testing::HasSubstr;
using testing::memory_url;

constexpr float kFill = -7.5f;

std::string fill_bytes(float f) {
  std::string out(sizeof f, '\0');
  std::memcpy(out.data(), &f, sizeof f);
  return out;
}

ArrayMeta float_meta(Index shape, Index chunks, std::vector<std::string> codecs) {
  ArrayMeta m;
  m.name = "v";
  m.shape = std::move(shape);
  m.chunks = std::move(chunks);
  m.dtype = DType::float32;
  m.item_size = sizeof(float);
  m.fill = fill_bytes(kFill);
  for (const auto& c : codecs) {
    if (c != "none") m.byte_codecs.push_back(make_compressor(c, Value::object(), 4));
  }
  return m;
}

/// Element i holds float(i) + 0.25 (no element equals the fill value).
NDArray iota(const Index& shape) {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  std::vector<float> v(static_cast<std::size_t>(n));
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i) + 0.25f;
  return NDArray::from_vector(std::move(v), shape);
}

/// Row-major offset of `pos` in an array of `shape`.
std::int64_t offset_of(const Index& pos, const Index& shape) {
  std::int64_t off = 0;
  for (std::size_t i = 0; i < shape.size(); ++i) off = off * shape[i] + pos[i];
  return off;
}

/// The model: `box` of `whole` (an array of `shape`), element by element.
std::vector<float> naive_box(const std::vector<float>& whole, const Index& shape, const Box& box) {
  std::vector<float> out;
  if (box.empty()) return out;
  Index pos = box.start;
  while (true) {
    out.push_back(whole[static_cast<std::size_t>(offset_of(pos, shape))]);
    std::size_t axis = shape.size();
    while (axis > 0) {
      --axis;
      if (++pos[axis] < box.stop[axis]) break;
      pos[axis] = box.start[axis];
      if (axis == 0) return out;
    }
    if (shape.empty()) return out;
  }
}

std::vector<float> values_of(const NDArray& a) {
  auto v = a.values<float>();
  return {v.begin(), v.end()};
}

/// Raises `max` to `value` if it is lower.
void raise_to(std::atomic<int>& max, int value) {
  int seen = max.load();
  while (value > seen && !max.compare_exchange_weak(seen, value)) {
  }
}

/// Forwards to another storage and answers preferred_parallel_reads() with `parallel`, so
/// that read_box fetches ahead (parallel > 1) or reads on its decoding threads (1). Each
/// read waits `delay` (a slow network); a read of `fail_key` throws StorageError; a ranged
/// read at offset 0 of `truncate_key` (a shard's first inner chunk, when its index is at
/// the end) loses its last byte. Records the most reads in flight at once; with `gather`
/// set, the first reads wait (up to 10 s) until that many are in flight together.
class ReadAheadStorage final : public nuthatch::testing::ForwardingStorage {
 public:
  ReadAheadStorage(StoragePtr inner, std::size_t parallel)
      : ForwardingStorage(std::move(inner)), parallel_(parallel) {}
  std::size_t preferred_parallel_reads() const override { return parallel_; }
  std::optional<std::string> read(std::string_view path, ByteRange range) override {
    const int now = ++in_flight_;
    raise_to(max_in_flight, now);
    if (gather > 0) {
      std::unique_lock lock(mutex_);
      if (now >= gather) gathered_ = true;
      gathered_changed_.notify_all();
      gathered_changed_.wait_for(lock, std::chrono::seconds(10), [&] { return gathered_; });
    }
    std::this_thread::sleep_for(delay);
    --in_flight_;
    if (path == fail_key) throw StorageError("cannot read '" + fail_key + "': connection reset");
    std::optional<std::string> out = inner()->read(path, range);
    if (out && path == truncate_key && range.length && range.offset == 0) out->pop_back();
    return out;
  }

  std::chrono::microseconds delay{0};
  std::string fail_key;
  std::string truncate_key;
  int gather = 0;
  std::atomic<int> max_in_flight{0};

 private:
  StoragePtr inner_;
  std::size_t parallel_;
  std::atomic<int> in_flight_{0};
  std::mutex mutex_;
  std::condition_variable gathered_changed_;
  bool gathered_ = false;
};

/// Reads through `storage` as it is (fetched on the decoding threads) and through a
/// read-ahead of 4 fetch threads.
std::vector<std::shared_ptr<Storage>> both_read_paths(const StoragePtr& storage) {
  return {storage, std::make_shared<ReadAheadStorage>(storage, 4)};
}

/// Threads of this process.
std::size_t thread_count() {
  const auto tasks = std::filesystem::directory_iterator("/proc/self/task");
  return static_cast<std::size_t>(std::distance(begin(tasks), end(tasks)));
}

struct Layout {
  const char* name;
  Index shape;
  Index chunks;
};

// Chunks spanning the trailing dims (decoded in place, one edge chunk on the first axis),
// chunks splitting every dim (gathered through a buffer), and chunks larger than the array.
const Layout kLayouts[] = {
    {"trailing_full", {7, 5, 6}, {3, 5, 6}},
    {"split_all", {7, 5, 6}, {3, 2, 4}},
    {"one_padded_chunk", {2, 3}, {4, 4}},
    {"one_dim", {10}, {4}},
};

// Full, chunk-aligned, unaligned, one element, one row across chunks, a leading slab.
std::vector<Box> boxes_for(const Index& shape) {
  std::vector<Box> boxes = {full_box(shape)};
  if (shape.size() == 3) {
    boxes.push_back({{3, 0, 0}, {6, 5, 6}});
    boxes.push_back({{1, 1, 2}, {6, 4, 5}});
    boxes.push_back({{4, 2, 3}, {5, 3, 4}});
    boxes.push_back({{2, 3, 0}, {3, 4, 6}});
    boxes.push_back({{0, 0, 0}, {1, 5, 6}});
  } else if (shape.size() == 2) {
    boxes.push_back({{1, 1}, {2, 3}});
  } else {
    boxes.push_back({{3}, {9}});
  }
  return boxes;
}

class ArrayIoTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ArrayIoTest, ReadBoxMatchesTheModelOnEveryLayoutAndBox) {
  for (const Layout& layout : kLayouts) {
    const ArrayMeta meta = float_meta(layout.shape, layout.chunks, {GetParam()});
    StoragePtr storage = StorageRegistry::open(memory_url("io"));
    const NDArray whole = iota(layout.shape);
    write_chunks(*storage, "v/", meta, whole);
    for (const auto& reader : both_read_paths(storage)) {
      for (const Box& box : boxes_for(layout.shape)) {
        SCOPED_TRACE(std::string(layout.name) + " box from " + std::to_string(box.start[0]) + ", " +
                     std::to_string(reader->preferred_parallel_reads()) + " reads");
        const NDArray got = read_box(*reader, "v/", meta, box);
        EXPECT_EQ(got.shape(), box.extent());
        EXPECT_EQ(values_of(got), naive_box(values_of(whole), layout.shape, box));
      }
    }
  }
}

TEST_P(ArrayIoTest, MissingChunksReadAsTheFillValue) {
  const ArrayMeta meta = float_meta({7, 5, 6}, {3, 5, 6}, {GetParam()});
  StoragePtr storage = StorageRegistry::open(memory_url("missing"));
  const NDArray whole = iota(meta.shape);
  write_chunks(*storage, "v/", meta, whole);
  storage->remove({"v/" + meta.chunk_key({1, 0, 0}), "v/" + meta.chunk_key({2, 0, 0})});
  std::vector<float> want = values_of(whole);
  for (std::size_t i = 3 * 5 * 6; i < want.size(); ++i) want[i] = kFill;  // rows 3..6
  for (const auto& reader : both_read_paths(storage)) {
    EXPECT_EQ(values_of(read_box(*reader, "v/", meta, full_box(meta.shape))), want);
    const Box unaligned{{2, 1, 1}, {5, 4, 5}};
    EXPECT_EQ(values_of(read_box(*reader, "v/", meta, unaligned)),
              naive_box(want, meta.shape, unaligned));
  }
}

TEST_P(ArrayIoTest, WriteBoxPadsTheChunksItTouchesWithTheFillValue) {
  const ArrayMeta meta = float_meta({7, 5, 6}, {3, 2, 4}, {GetParam()});
  StoragePtr storage = StorageRegistry::open(memory_url("region"));
  const Box box{{3, 2, 4}, {6, 4, 6}};  // aligned to chunks; one chunk clipped by the array
  const NDArray block = iota(box.extent());
  write_box(*storage, "v/", meta, block, box);
  const NDArray got = read_box(*storage, "v/", meta, full_box(meta.shape));
  std::vector<float> want(static_cast<std::size_t>(7 * 5 * 6), kFill);
  const std::vector<float> block_values = values_of(block);
  std::size_t k = 0;
  for (std::int64_t t = 3; t < 6; ++t) {
    for (std::int64_t y = 2; y < 4; ++y) {
      for (std::int64_t x = 4; x < 6; ++x) {
        want[static_cast<std::size_t>(offset_of({t, y, x}, meta.shape))] = block_values[k++];
      }
    }
  }
  EXPECT_EQ(values_of(got), want);
}

INSTANTIATE_TEST_SUITE_P(Compressors, ArrayIoTest,
                         ::testing::Values("zstd", "none", "gzip", "blosc"),
                         [](const auto& info) { return info.param; });

TEST(ArrayIo, SeveralByteCodecsInARow) {
  ArrayMeta meta = float_meta({9, 4}, {4, 4}, {"zstd"});
  meta.byte_codecs.push_back(make_compressor("crc32c", Value::object(), 4));
  StoragePtr storage = StorageRegistry::open(memory_url("chain"));
  const NDArray whole = iota(meta.shape);
  write_chunks(*storage, "v/", meta, whole);
  EXPECT_EQ(read_box(*storage, "v/", meta, full_box(meta.shape)), whole);
  const Box box{{1, 1}, {8, 3}};
  EXPECT_EQ(values_of(read_box(*storage, "v/", meta, box)),
            naive_box(values_of(whole), meta.shape, box));
}

TEST(ArrayIo, ZeroSizeDimensionsReadAndWriteNothing) {
  const ArrayMeta meta = float_meta({0, 4}, {2, 4}, {"zstd"});
  StoragePtr storage = StorageRegistry::open(memory_url("empty"));
  EXPECT_EQ(write_chunks(*storage, "v/", meta, iota({0, 4})), 0u);
  EXPECT_TRUE(storage->list("v/").empty());
  const NDArray got = read_box(*storage, "v/", meta, full_box(meta.shape));
  EXPECT_EQ(got.shape(), (Index{0, 4}));
  EXPECT_EQ(got.nbytes(), 0u);
  const ArrayMeta filled = float_meta({4, 4}, {2, 4}, {"zstd"});
  write_chunks(*storage, "w/", filled, iota({4, 4}));
  EXPECT_EQ(read_box(*storage, "w/", filled, {{2, 0}, {2, 4}}).shape(), (Index{0, 4}));
}

TEST(ArrayIo, ZeroDimensionalArray) {
  const ArrayMeta meta = float_meta({}, {}, {"zstd"});
  StoragePtr storage = StorageRegistry::open(memory_url("scalar"));
  const NDArray one = NDArray::from_vector(std::vector<float>{3.5f}, {});
  write_chunks(*storage, "v/", meta, one);
  EXPECT_EQ(read_box(*storage, "v/", meta, full_box({})), one);
}

TEST(ArrayIo, ACorruptChunkNamesTheArrayAndChunk) {
  const ArrayMeta meta = float_meta({8, 4}, {2, 4}, {"zstd"});
  StoragePtr storage = StorageRegistry::open(memory_url("corrupt"));
  write_chunks(*storage, "v/", meta, iota(meta.shape));
  storage->write("v/c/2/0", "not zstd");
  for (const auto& reader : both_read_paths(storage)) {
    try {
      read_box(*reader, "v/", meta, full_box(meta.shape));
      ADD_FAILURE() << "expected CodecError";
    } catch (const CodecError& e) {
      EXPECT_THAT(e.what(), HasSubstr("zarr array 'v', chunk 'v/c/2/0'"));
    }
  }
  // A chunk that decodes to the wrong size, on the direct path and the buffered one.
  CodecScratch scratch;
  const std::string small(encode_chunk_bytes(meta, std::string(8, '\0'), scratch));
  storage->write("v/c/2/0", small);
  for (const auto& reader : both_read_paths(storage)) {
    EXPECT_THROW(read_box(*reader, "v/", meta, full_box(meta.shape)), CodecError);
    EXPECT_THROW(read_box(*reader, "v/", meta, {{4, 1}, {6, 3}}), CodecError);
  }
}

/// Fails the write of one key; counts the others.
class FailingStorage final : public nuthatch::testing::ForwardingStorage {
 public:
  FailingStorage(StoragePtr inner, std::string bad_key)
      : ForwardingStorage(std::move(inner)), bad_key_(std::move(bad_key)) {}
  void write(std::string_view path, std::string_view data) override {
    if (path == bad_key_) throw StorageError("cannot write '" + bad_key_ + "': disk full");
    inner()->write(path, data);
  }

 private:
  std::string bad_key_;
};

TEST(ArrayIo, AFailedChunkWriteStopsTheWriteAndNamesTheKey) {
  const ArrayMeta meta = float_meta({64, 8}, {2, 8}, {"zstd"});
  FailingStorage storage(StorageRegistry::open(memory_url("fail")), "v/c/5/0");
  try {
    write_chunks(storage, "v/", meta, iota(meta.shape));
    FAIL() << "expected StorageError";
  } catch (const StorageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("v/c/5/0"));
  }
}

TEST(ArrayIo, ReadAheadReadsManyChunksWithSeveralReadsInFlight) {
  const ArrayMeta meta = float_meta({120, 6, 10}, {1, 6, 4}, {"zstd"});  // 360 chunks
  const StoragePtr memory = StorageRegistry::open(memory_url("many"));
  const NDArray whole = iota(meta.shape);
  write_chunks(*memory, "v/", meta, whole);
  ReadAheadStorage storage(memory, 8);
  storage.gather = 6;  // more than the decoding threads of a small machine
  storage.delay = std::chrono::microseconds(200);
  EXPECT_EQ(read_box(storage, "v/", meta, full_box(meta.shape)), whole);
  EXPECT_GE(storage.max_in_flight.load(), 6);
  EXPECT_LE(storage.max_in_flight.load(), 8);
  const Box box{{7, 1, 3}, {113, 6, 9}};
  EXPECT_EQ(values_of(read_box(storage, "v/", meta, box)),
            naive_box(values_of(whole), meta.shape, box));
}

TEST(ArrayIo, AFailedFetchInTheReadAheadNamesTheChunkAndStopsEveryThread) {
  const ArrayMeta meta = float_meta({64, 8}, {1, 8}, {"zstd"});
  const StoragePtr memory = StorageRegistry::open(memory_url("fetch-fails"));
  write_chunks(*memory, "v/", meta, iota(meta.shape));
  ReadAheadStorage storage(memory, 6);
  storage.delay = std::chrono::microseconds(200);
  read_box(storage, "v/", meta, full_box(meta.shape));  // TBB's workers are started
  const std::size_t threads_before = thread_count();
  storage.fail_key = "v/c/37/0";
  for (int attempt = 0; attempt < 3; ++attempt) {
    try {
      read_box(storage, "v/", meta, full_box(meta.shape));
      ADD_FAILURE() << "expected StorageError";
    } catch (const StorageError& e) {
      EXPECT_THAT(e.what(), HasSubstr("v/c/37/0"));
    }
  }
  EXPECT_EQ(thread_count(), threads_before);
}

TEST(ArrayIo, ChunkReaderHoldsNoMoreThanItsLimits) {
  // Item i takes 10 bytes; 4 items but only 25 bytes (so 2 items) may be held ahead of a
  // slow consumer, which takes each item whatever order they arrive in, once.
  constexpr std::size_t kItems = 40;
  std::atomic<int> started{0};
  std::atomic<int> taken{0};
  std::atomic<int> max_ahead{0};
  std::vector<int> used(kItems, 0);
  ChunkReader reader(
      kItems,
      [&](std::size_t i) -> std::optional<std::string> {
        raise_to(max_ahead, ++started - taken.load());
        std::this_thread::sleep_for(std::chrono::microseconds(100));
        return std::string(10, static_cast<char>('a' + i % 26));
      },
      [](std::size_t) -> std::uint64_t { return 10; },
      {.threads = 4, .max_chunks = 4, .max_bytes = 25});
  while (reader.consume([&](std::size_t i, std::optional<std::string>& bytes) {
    ++taken;
    ASSERT_TRUE(bytes.has_value());
    EXPECT_EQ((*bytes)[0], static_cast<char>('a' + i % 26));
    ++used[i];
    std::this_thread::sleep_for(std::chrono::microseconds(300));
  })) {
  }
  reader.finish();
  for (std::size_t i = 0; i < kItems; ++i) EXPECT_EQ(used[i], 1) << "item " << i;
  // 2 held, plus one whose place was freed before `taken` counted it.
  EXPECT_LE(max_ahead.load(), 3);
}

TEST(ArrayIo, AFailureInTheChunkReaderStopsItsFetchesAndConsumers) {
  std::atomic<int> fetched{0};
  ChunkReader reader(
      1000,
      [&](std::size_t i) -> std::optional<std::string> {
        ++fetched;
        if (i == 5) throw StorageError("cannot read item 5");
        return std::string(4, 'x');
      },
      [](std::size_t) -> std::uint64_t { return 4; }, {.threads = 3, .max_chunks = 8});
  std::vector<std::thread> consumers;
  for (int t = 0; t < 2; ++t) {
    consumers.emplace_back([&] {
      while (reader.consume([](std::size_t, std::optional<std::string>&) {})) {
      }
    });
  }
  for (auto& t : consumers) t.join();
  EXPECT_THROW(reader.finish(), StorageError);
  EXPECT_LT(fetched.load(), 1000);
  // A failure in use() wins the same way.
  ChunkReader second(
      10, [](std::size_t) -> std::optional<std::string> { return std::string("x"); },
      [](std::size_t) -> std::uint64_t { return 1; }, {.threads = 2});
  EXPECT_FALSE(second.consume(
      [](std::size_t, std::optional<std::string>&) { throw CodecError("corrupt"); }));
  EXPECT_FALSE(second.consume([](std::size_t, std::optional<std::string>&) {}));
  EXPECT_THROW(second.finish(), CodecError);
}

constexpr std::uint64_t kNoEntry = ~std::uint64_t{0};

/// A sharded float32 array of `shape` in shards of `shards`, inner chunks of `inner`
/// (zstd), index at the end (bytes + crc32c).
ArrayMeta sharded_meta(Index shape, Index shards, Index inner) {
  ArrayMeta meta = float_meta(std::move(shape), std::move(shards), {"none"});
  const auto codec = [](const char* name, Value config) {
    return Value::object({{"name", name}, {"configuration", std::move(config)}});
  };
  Value inner_shape = Value::array();
  for (auto n : inner) inner_shape.push_back(n);
  const Value bytes = codec("bytes", Value::object({{"endian", "little"}}));
  const Value crc32c = codec("crc32c", Value::object());
  meta.sharding = parse_sharding(
      meta, Value::object({{"chunk_shape", inner_shape},
                           {"codecs", Value::array({bytes, codec("zstd", Value::object())})},
                           {"index_codecs", Value::array({bytes, crc32c})},
                           {"index_location", "end"}}));
  return meta;
}

/// Writes the 2-D array `whole` as the shards of `meta`, leaving out the inner chunks at
/// global inner-grid indices in `empty`.
void write_shards(Storage& storage, const ArrayMeta& meta, const std::vector<float>& whole,
                  const std::set<Index>& empty) {
  const ShardingSpec& spec = *meta.sharding;
  const Index& inner_chunks = spec.inner.chunks;
  for (const Index& shard : chunks_touching(full_box(meta.shape), meta.chunks)) {
    std::string body;
    ChunkData index;
    const Box shard_box{{shard[0] * meta.chunks[0], shard[1] * meta.chunks[1]},
                        {(shard[0] + 1) * meta.chunks[0], (shard[1] + 1) * meta.chunks[1]}};
    for (const Index& inner : chunks_touching(shard_box, inner_chunks)) {
      std::uint64_t entry[2] = {kNoEntry, kNoEntry};
      const Box box = chunk_box(inner, inner_chunks, meta.shape);
      if (!box.empty() && !empty.contains(inner)) {
        std::vector<float> raw;
        for (std::int64_t y = 0; y < inner_chunks[0]; ++y) {
          for (std::int64_t x = 0; x < inner_chunks[1]; ++x) {
            const Index pos{inner[0] * inner_chunks[0] + y, inner[1] * inner_chunks[1] + x};
            const bool inside = pos[0] < meta.shape[0] && pos[1] < meta.shape[1];
            raw.push_back(inside ? whole[static_cast<std::size_t>(offset_of(pos, meta.shape))]
                                 : kFill);
          }
        }
        ChunkData chunk;
        chunk.bytes.assign(reinterpret_cast<const char*>(raw.data()), raw.size() * sizeof(float));
        const std::string encoded = encode_chunk(spec.inner, chunk);
        entry[0] = body.size();
        entry[1] = encoded.size();
        body += encoded;
      }
      index.bytes.append(reinterpret_cast<const char*>(entry), sizeof entry);
    }
    storage.write("v/" + meta.chunk_key(shard), body + encode_chunk(spec.index, index));
  }
}

TEST(ArrayIo, ShardedReadsMatchTheModelOnBothReadPaths) {
  const ArrayMeta meta = sharded_meta({10, 9}, {4, 6}, {2, 3});
  const StoragePtr memory = StorageRegistry::open(memory_url("sharded"));
  std::vector<float> want = values_of(iota(meta.shape));
  write_shards(*memory, meta, want, {{0, 1}, {3, 2}});
  memory->remove({"v/" + meta.chunk_key({2, 1})});  // rows 8-9, cols 6-8: a missing shard
  for (std::int64_t y = 0; y < 10; ++y) {
    for (std::int64_t x = 0; x < 9; ++x) {
      const bool empty_chunk = (y / 2 == 0 && x / 3 == 1) || (y / 2 == 3 && x / 3 == 2);
      const bool missing_shard = y >= 8 && x >= 6;
      if (empty_chunk || missing_shard) {
        want[static_cast<std::size_t>(offset_of({y, x}, meta.shape))] = kFill;
      }
    }
  }
  for (const auto& reader : both_read_paths(memory)) {
    for (const Box& box : {full_box(meta.shape), Box{{1, 2}, {9, 8}}, Box{{5, 0}, {6, 9}}}) {
      SCOPED_TRACE(std::to_string(reader->preferred_parallel_reads()) + " reads, box from " +
                   std::to_string(box.start[0]) + ", " + std::to_string(box.start[1]));
      EXPECT_EQ(values_of(read_box(*reader, "v/", meta, box)), naive_box(want, meta.shape, box));
    }
  }
  // An inner chunk shorter than its index says fails in the fetch, naming shard and chunk.
  ReadAheadStorage truncating(memory, 4);
  truncating.truncate_key = "v/" + meta.chunk_key({1, 0});
  try {
    read_box(truncating, "v/", meta, full_box(meta.shape));
    ADD_FAILURE() << "expected CodecError";
  } catch (const CodecError& e) {
    EXPECT_THAT(e.what(), HasSubstr("zarr array 'v', shard 'v/c/1/0', inner chunk "));
    EXPECT_THAT(e.what(), HasSubstr("truncated"));
  }
}

TEST(ArrayIo, ReadAheadFromMinioMatchesTheModel) {
  std::shared_ptr<nuthatch::testing::S3Server> server;
  NH_REQUIRE_S3_SERVER(nuthatch::testing::S3ServerKind::minio, server);
  Value options = server->options();
  options["max_concurrency"] = 6;
  const std::string url =
      nuthatch::testing::S3Server::url("zarr-read-ahead-" + std::to_string(::getpid()) + "/");
  const StoragePtr storage = StorageRegistry::open(url, options);
  EXPECT_EQ(storage->preferred_parallel_reads(), 6u);
  const ArrayMeta meta = float_meta({40, 6, 10}, {1, 6, 4}, {"zstd"});  // 120 chunks
  const NDArray whole = iota(meta.shape);
  write_chunks(*storage, "v/", meta, whole);
  storage->remove({"v/" + meta.chunk_key({3, 0, 1})});
  std::vector<float> want = values_of(whole);
  for (std::int64_t y = 0; y < 6; ++y) {
    for (std::int64_t x = 4; x < 8; ++x) {
      want[static_cast<std::size_t>(offset_of({3, y, x}, meta.shape))] = kFill;
    }
  }
  EXPECT_EQ(values_of(read_box(*storage, "v/", meta, full_box(meta.shape))), want);
  const Box box{{2, 1, 3}, {37, 6, 9}};
  EXPECT_EQ(values_of(read_box(*storage, "v/", meta, box)), naive_box(want, meta.shape, box));
  storage->remove_prefix("");
}

TEST(ArrayIo, UninitializedArraysOwnTheirBuffer) {
  NDArray a = NDArray::uninitialized(DType::float64, {3, 4});
  EXPECT_EQ(a.shape(), (Index{3, 4}));
  EXPECT_EQ(a.nbytes(), 3u * 4u * 8u);
  const void* before = a.data();
  a.mutable_values<double>()[5] = 1.5;  // the only copy: written in place, not copied
  EXPECT_EQ(a.data(), before);
  EXPECT_EQ(a.values<double>()[5], 1.5);
  EXPECT_EQ(NDArray::uninitialized(DType::string, {2}), NDArray::strings({"", ""}, {2}));
  EXPECT_EQ(NDArray::uninitialized(DType::int32, {0, 5}).nbytes(), 0u);
}

TEST(ArrayIo, WriteReturnsTheBytesStored) {
  const ArrayMeta meta = float_meta({10, 3}, {4, 3}, {"none"});
  StoragePtr storage = StorageRegistry::open(memory_url("bytes"));
  EXPECT_EQ(write_chunks(*storage, "v/", meta, iota(meta.shape)), 3 * meta.chunk_bytes());
}

}  // namespace
}  // namespace nuthatch::zarr
