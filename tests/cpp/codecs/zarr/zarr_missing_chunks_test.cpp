// missing_chunks: a chunk (or shard) absent from a store reads as the fill value by default
// (the Zarr rule, for stores written elsewhere), and with "error" (payloads whose writer
// wrote every chunk) as a CodecError naming the chunk and the store: through zarr::read,
// the zarr backend's read_tree (both overloads, kwargs {"missing_chunks": "error"}) and
// DatasetReader. An invalid value of the option is refused naming it.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "codecs/zarr/zarr_test_support.hpp"
#include "nuthatch/nuthatch.hpp"

namespace nuthatch::zarr {
namespace {

using ::testing::HasSubstr;
using testing::memory_url;

constexpr std::int64_t kTimes = 4;
constexpr std::int64_t kCols = 4;
constexpr float kFill = -9.0f;

/// "temp" (time, x) of 4 x 4 in chunks of 2 x 2 and coordinate "time" (chunks of 2).
Dataset sample() {
  std::vector<float> values;
  for (int i = 0; i < kTimes * kCols; ++i) values.push_back(static_cast<float>(i));
  Dataset ds;
  ds.variables["temp"] =
      testing::var({"time", "x"}, NDArray::from_vector(std::move(values), {kTimes, kCols}),
                   Value::object({{"chunks", Value::array({2, 2})}, {"fill_value", kFill}}));
  ds.variables["time"] =
      testing::var({"time"}, NDArray::from_vector(std::vector<std::int64_t>{10, 20, 30, 40}, {4}),
                   Value::object({{"chunks", Value::array({2})}}));
  ds.coords = {"time"};
  return ds;
}

/// A store of sample() in `format` with chunk (0, 1) of "temp" removed; returns its URL.
std::string store_without_a_chunk(int format, std::string* removed = nullptr) {
  const std::string url = memory_url("missing");
  write(sample(), url, {.zarr_format = format});
  const std::string key = format == 3 ? "temp/c/0/1" : "temp/0.1";
  auto storage = StorageRegistry::open(url);
  EXPECT_TRUE(storage->stat(key).has_value()) << key;
  storage->remove({key});
  if (removed != nullptr) *removed = key;
  return url;
}

/// Expects `read` to throw a CodecError naming the chunk `key`, the store and the cause.
template <class Read>
void expect_missing(Read read, const std::string& key, const std::string& url) {
  try {
    read();
    ADD_FAILURE() << "a missing chunk read without error";
  } catch (const CodecError& e) {
    EXPECT_THAT(e.what(), HasSubstr("chunk '" + key + "' of store " + url));
    EXPECT_THAT(e.what(), HasSubstr("is missing"));
  }
}

TEST(ZarrMissingChunks, FillByDefaultErrorOnRequest) {
  for (int format : {2, 3}) {
    std::string key;
    const std::string url = store_without_a_chunk(format, &key);
    const NDArray filled = read(url).variables.at("temp").data;
    EXPECT_EQ(filled.values<float>()[2], kFill) << "format " << format;  // row 0, col 2
    EXPECT_EQ(filled.values<float>()[0], 0.0f);
    EXPECT_EQ(read(url, ReadOptions{.missing_chunks = MissingChunks::fill})
                  .variables.at("temp")
                  .data.values<float>()[2],
              kFill);
    expect_missing([&] { read(url, ReadOptions{.missing_chunks = MissingChunks::error}); }, key,
                   url);
    const Selection rows{{{"time", 0, 2}}};
    expect_missing([&] { read(url, rows, ReadOptions{.missing_chunks = MissingChunks::error}); },
                   key, url);
    // A selection that does not touch the missing chunk reads.
    const Selection other{{{"time", 2, 4}}};
    EXPECT_NO_THROW(read(url, other, ReadOptions{.missing_chunks = MissingChunks::error}));
  }
}

TEST(ZarrMissingChunks, DatasetReaderHonoursTheOption) {
  std::string key;
  const std::string url = store_without_a_chunk(3, &key);
  const DatasetReader lenient = DatasetReader::open(url);
  EXPECT_EQ(lenient.read("temp").values<float>()[2], kFill);
  const DatasetReader strict =
      DatasetReader::open(StorageRegistry::open(url), {.missing_chunks = MissingChunks::error});
  expect_missing([&] { strict.read("temp"); }, key, url);
  expect_missing([&] { strict.read("temp", Selection{{{"x", 2, 4}}}); }, key, url);
  EXPECT_EQ(strict.read("temp", Selection{{{"x", 0, 2}}}).size(), kTimes * 2);
  const DatasetReader by_url = DatasetReader::open(url, {.missing_chunks = MissingChunks::error});
  expect_missing([&] { by_url.read("temp"); }, key, url);
}

TEST(ZarrMissingChunks, BackendKwargsOfBothReadTreeOverloads) {
  // The payload as the engine lays it out: a folder inside the location.
  const std::string root = memory_url("payload");
  auto storage = StorageRegistry::open(root);
  const Codec& codec = CodecRegistry::get("zarr");
  const std::string path = "data/_/f/zarr-1.zarr/";
  codec.write_tree(Boxed::make(sample()), *storage, path, Value::object());
  storage->remove({path + "temp/c/1/0"});
  const std::string url = storage->url_of(path);
  const Value error = Value::object({{"missing_chunks", "error"}});
  EXPECT_NO_THROW(codec.read_tree(*storage, path, Value::object()));
  EXPECT_NO_THROW(codec.read_tree(*storage, path, Value::object({{"missing_chunks", "fill"}})));
  expect_missing([&] { codec.read_tree(*storage, path, error); }, "temp/c/1/0", url);
  const CoordinateRange late{"time", 30, 40};
  expect_missing([&] { codec.read_tree(*storage, path, error, late); }, "temp/c/1/0", url);
  // Labels up to 10, widened by one neighbour: rows 0-1, chunk row 0 only.
  const CoordinateRange early{"time", std::nullopt, 10};
  EXPECT_NO_THROW(codec.read_tree(*storage, path, error, early));
  // A missing coordinate chunk fails too (read_tree reads the coordinate first).
  storage->remove({path + "time/c/0"});
  expect_missing([&] { codec.read_tree(*storage, path, error, late); }, "time/c/0", url);
}

TEST(ZarrMissingChunks, InvalidValueIsRefusedNamingTheOption) {
  const std::string root = memory_url("payload-bad");
  auto storage = StorageRegistry::open(root);
  const Codec& codec = CodecRegistry::get("zarr");
  codec.write_tree(Boxed::make(sample()), *storage, "p/", Value::object());
  for (const Value& bad : {Value("sometimes"), Value(1), Value::array({"error"})}) {
    try {
      codec.read_tree(*storage, "p/", Value::object({{"missing_chunks", bad}}));
      ADD_FAILURE() << "accepted missing_chunks " << bad.to_string();
    } catch (const ConfigError& e) {
      EXPECT_THAT(e.what(), HasSubstr("missing_chunks"));
    }
  }
  EXPECT_THROW(parse_missing_chunks("Error"), ConfigError);
  EXPECT_EQ(parse_missing_chunks("error"), MissingChunks::error);
  EXPECT_EQ(parse_missing_chunks("fill"), MissingChunks::fill);
}

}  // namespace
}  // namespace nuthatch::zarr
