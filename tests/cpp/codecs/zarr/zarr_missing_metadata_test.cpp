// An unconsolidated group finds its arrays by their metadata objects. With missing_chunks
// "error" (stores whose writer wrote everything), an array whose metadata object is gone
// while its chunks remain is a CodecError naming the missing object, through zarr::read,
// a selection, the zarr backend's read_tree and DatasetReader; with "fill" (stores written
// elsewhere) such a folder is ignored, as Zarr readers do. A consolidated group lists its
// arrays itself, so there the per-array metadata object is redundant.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "codecs/zarr/zarr_test_support.hpp"
#include "nuthatch/nuthatch.hpp"

namespace nuthatch::zarr {
namespace {

using ::testing::HasSubstr;
using testing::memory_url;

const ReadOptions kStrict{.missing_chunks = MissingChunks::error};

/// "temp" (time, x) in chunks of 2 x 2, coordinate "time", and a nested group "sub".
Dataset sample() {
  std::vector<float> values;
  for (int i = 0; i < 16; ++i) values.push_back(static_cast<float>(i));
  Dataset ds;
  ds.variables["temp"] =
      testing::var({"time", "x"}, NDArray::from_vector(std::move(values), {4, 4}),
                   Value::object({{"chunks", Value::array({2, 2})}}));
  ds.variables["time"] = testing::var(
      {"time"}, NDArray::from_vector(std::vector<std::int64_t>{10, 20, 30, 40}, {4}));
  ds.coords = {"time"};
  return ds;
}

std::string metadata_key(int format) { return format == 3 ? "temp/zarr.json" : "temp/.zarray"; }

/// An unconsolidated store of sample() in `format` without temp's metadata object.
std::string store_without_metadata(int format) {
  const std::string url = memory_url("no-metadata");
  write(sample(), url, {.zarr_format = format, .consolidated = false});
  StoragePtr storage = StorageRegistry::open(url);
  EXPECT_TRUE(storage->stat(metadata_key(format)).has_value());
  storage->remove({metadata_key(format)});
  return url;
}

template <class Read>
void expect_missing_metadata(Read read, int format) {
  try {
    read();
    ADD_FAILURE() << "an array without its metadata read without error";
  } catch (const CodecError& e) {
    EXPECT_THAT(e.what(), HasSubstr(metadata_key(format)));
    EXPECT_THAT(e.what(), HasSubstr("array 'temp'"));
    EXPECT_THAT(e.what(), HasSubstr("is missing"));
  }
}

TEST(ZarrMissingMetadata, AnArrayWithoutItsMetadataIsAnErrorWhenTheWriterWroteEverything) {
  for (int format : {2, 3}) {
    SCOPED_TRACE("format " + std::to_string(format));
    const std::string url = store_without_metadata(format);
    expect_missing_metadata([&] { read(url, kStrict); }, format);
    expect_missing_metadata([&] { read(url, Selection{{{"time", 0, 2}}}, kStrict); }, format);
    expect_missing_metadata([&] { DatasetReader::open(url, kStrict); }, format);
    StoragePtr storage = StorageRegistry::open(url);
    const Codec& codec = CodecRegistry::get("zarr");
    const Value strict = Value::object({{"missing_chunks", "error"}});
    expect_missing_metadata([&] { codec.read_tree(*storage, "", strict); }, format);
    expect_missing_metadata(
        [&] { codec.read_tree(*storage, "", strict, CoordinateRange{"time", 10, 20}); }, format);
  }
}

TEST(ZarrMissingMetadata, WithFillTheFolderIsIgnored) {
  for (int format : {2, 3}) {
    SCOPED_TRACE("format " + std::to_string(format));
    const std::string url = store_without_metadata(format);
    const Dataset ds = read(url);
    EXPECT_FALSE(ds.variables.contains("temp"));
    EXPECT_TRUE(ds.variables.contains("time"));
  }
}

TEST(ZarrMissingMetadata, IntactAndNestedGroupsReadStrictly) {
  for (int format : {2, 3}) {
    SCOPED_TRACE("format " + std::to_string(format));
    const std::string url = memory_url("intact");
    write(sample(), url, {.zarr_format = format, .consolidated = false});
    // A nested group, with an array of its own, is no array whose metadata is missing.
    StoragePtr storage = StorageRegistry::open(url);
    if (format == 3) {
      storage->write("sub/zarr.json", R"({"zarr_format": 3, "node_type": "group"})");
    } else {
      storage->write("sub/.zgroup", R"({"zarr_format": 2})");
    }
    storage->write("sub/inner/c/0", "chunk");
    const Dataset ds = read(url, kStrict);
    EXPECT_EQ(testing::without_encoding(ds), testing::without_encoding(sample()));
  }
}

TEST(ZarrMissingMetadata, AConsolidatedGroupDoesNotNeedThePerArrayObject) {
  for (int format : {2, 3}) {
    SCOPED_TRACE("format " + std::to_string(format));
    const std::string url = memory_url("consolidated");
    write(sample(), url, {.zarr_format = format});
    StoragePtr storage = StorageRegistry::open(url);
    storage->remove({metadata_key(format)});
    const Dataset ds = read(url, kStrict);
    EXPECT_EQ(testing::without_encoding(ds), testing::without_encoding(sample()));
  }
}

}  // namespace
}  // namespace nuthatch::zarr
