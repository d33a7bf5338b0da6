// Chunk I/O of one array (array_io): every read path (decoded straight into the output,
// through a per-thread buffer, missing chunks as the fill value, sharded) and every write
// path (encoded straight from the source, gathered and padded) against a naive model,
// on boxes aligned and not aligned to chunks, edge chunks, zero-size dimensions, several
// byte codecs in a row, and failures in the middle of a parallel write.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "codecs/zarr/array_io.hpp"
#include "codecs/zarr/chunk_codec.hpp"
#include "codecs/zarr/compressor.hpp"
#include "codecs/zarr/zarr_test_support.hpp"
#include "nuthatch/nuthatch.hpp"

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
    for (const Box& box : boxes_for(layout.shape)) {
      SCOPED_TRACE(std::string(layout.name) + " box from " + std::to_string(box.start[0]));
      const NDArray got = read_box(*storage, "v/", meta, box);
      EXPECT_EQ(got.shape(), box.extent());
      EXPECT_EQ(values_of(got), naive_box(values_of(whole), layout.shape, box));
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
  EXPECT_EQ(values_of(read_box(*storage, "v/", meta, full_box(meta.shape))), want);
  const Box unaligned{{2, 1, 1}, {5, 4, 5}};
  EXPECT_EQ(values_of(read_box(*storage, "v/", meta, unaligned)),
            naive_box(want, meta.shape, unaligned));
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
  try {
    read_box(*storage, "v/", meta, full_box(meta.shape));
    FAIL() << "expected CodecError";
  } catch (const CodecError& e) {
    EXPECT_THAT(e.what(), HasSubstr("zarr array 'v', chunk 'v/c/2/0'"));
  }
  // A chunk that decodes to the wrong size, on the direct path and the buffered one.
  CodecScratch scratch;
  const std::string small(encode_chunk_bytes(meta, std::string(8, '\0'), scratch));
  storage->write("v/c/2/0", small);
  EXPECT_THROW(read_box(*storage, "v/", meta, full_box(meta.shape)), CodecError);
  EXPECT_THROW(read_box(*storage, "v/", meta, {{4, 1}, {6, 3}}), CodecError);
}

/// Fails the write of one key; counts the others.
class FailingStorage final : public Storage {
 public:
  FailingStorage(StoragePtr inner, std::string bad_key)
      : inner_(std::move(inner)), bad_key_(std::move(bad_key)) {}
  std::string url() const override { return inner_->url(); }
  std::optional<std::string> read(std::string_view path, ByteRange range) override {
    return inner_->read(path, range);
  }
  std::optional<ObjectInfo> stat(std::string_view path) override { return inner_->stat(path); }
  void write(std::string_view path, std::string_view data) override {
    if (path == bad_key_) throw StorageError("cannot write '" + bad_key_ + "': disk full");
    inner_->write(path, data);
  }
  bool write_if(std::string_view path, std::string_view data,
                const WriteCondition& condition) override {
    return inner_->write_if(path, data, condition);
  }
  std::vector<ObjectInfo> list(std::string_view prefix) override { return inner_->list(prefix); }
  void remove(const std::vector<std::string>& paths) override { inner_->remove(paths); }

 private:
  StoragePtr inner_;
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
