// Streaming writes: regions written from several threads, from two processes, and through
// a location opened by the caller into one store read back equal to the dataset written in
// one go; misaligned regions are refused. Lazy reads (DatasetReader): the schema without
// reading data, boxes equal to the same part of a whole read, only their chunks fetched.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "codecs/zarr/zarr_test_support.hpp"
#include "nuthatch/nuthatch.hpp"

namespace nuthatch::zarr {
namespace {

using ::testing::HasSubstr;
using testing::memory_url;
using testing::without_encoding;

constexpr std::int64_t kTimes = 9;  // chunks of 2: the last one is an edge chunk
constexpr std::int64_t kLat = 6;
constexpr std::int64_t kLon = 8;

float value_at(std::int64_t t, std::int64_t y, std::int64_t x) {
  return static_cast<float>(t * 100 + y * 10 + x) + 0.5f;
}

/// The block of "temp" covering times [t0, t1) and longitudes [x0, x1).
NDArray temp_block(std::int64_t t0, std::int64_t t1, std::int64_t x0, std::int64_t x1) {
  std::vector<float> v;
  for (std::int64_t t = t0; t < t1; ++t) {
    for (std::int64_t y = 0; y < kLat; ++y) {
      for (std::int64_t x = x0; x < x1; ++x) v.push_back(value_at(t, y, x));
    }
  }
  return NDArray::from_vector(std::move(v), {t1 - t0, kLat, x1 - x0});
}

NDArray times(std::int64_t t0, std::int64_t t1) {
  std::vector<std::int64_t> ns;
  for (std::int64_t t = t0; t < t1; ++t) ns.push_back(t * 3'600'000'000'000);
  return NDArray::datetimes(std::move(ns), {t1 - t0});
}

Dataset whole_dataset() {
  Dataset ds;
  Variable temp{.dims = {"time", "lat", "lon"}, .data = temp_block(0, kTimes, 0, kLon)};
  temp.attrs["units"] = "K";
  temp.encoding = Value::object({{"chunks", Value::array({2, 3, 4})}});
  ds.variables["temp"] = temp;
  Variable time{.dims = {"time"}, .data = times(0, kTimes)};
  time.encoding = Value::object({{"chunks", Value::array({2})}});
  ds.variables["time"] = time;
  ds.coords = {"time"};
  ds.attrs["title"] = "streamed";
  return ds;
}

/// Writes the time blocks t0, t0 + step, ... (each in two longitude halves).
void write_time_blocks(DatasetWriter writer, std::int64_t first, std::int64_t step) {
  for (std::int64_t t0 = first; t0 < kTimes; t0 += step) {
    const std::int64_t t1 = std::min(t0 + 2, kTimes);
    for (std::int64_t x0 : {std::int64_t{0}, kLon / 2}) {
      writer.write_region("temp", Selection{{{"time", t0, t1}, {"lon", x0, x0 + kLon / 2}}},
                          temp_block(t0, t1, x0, x0 + kLon / 2));
    }
    writer.write_region("time", Selection{{{"time", t0, t1}}}, times(t0, t1));
  }
}

TEST(ZarrDatasetWriter, RegionsFromSeveralThreadsReadBackAsOneWrite) {
  const Dataset ds = whole_dataset();
  for (int format : {3, 2}) {
    SCOPED_TRACE(format);
    const std::string streamed = memory_url("stream");
    DatasetWriter writer =
        DatasetWriter::create(streamed, DatasetSchema::of(ds), {.zarr_format = format});
    std::vector<std::thread> threads;
    constexpr int kThreads = 3;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back(write_time_blocks, writer, 2 * i, 2 * kThreads);
    }
    for (auto& t : threads) t.join();
    writer.commit();
    const std::string direct = memory_url("direct");
    write(ds, direct, {.zarr_format = format});
    EXPECT_EQ(read(streamed), read(direct));
    EXPECT_EQ(without_encoding(read(streamed)), without_encoding(ds));
    const bool consolidated = format == 3 ? StorageRegistry::open(streamed)->read("zarr.json")
                                                    ->find("consolidated") != std::string::npos
                                          : StorageRegistry::open(streamed)->stat(".zmetadata")
                                                    .has_value();
    EXPECT_TRUE(consolidated);
  }
}

TEST(ZarrDatasetWriter, TwoProcessesWriteOneStore) {
  namespace fs = std::filesystem;
  std::string tmpl = (fs::temp_directory_path() / "nh-zarr-writer-XXXXXX").string();
  ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
  const std::string url = tmpl + "/store.zarr";
  const Dataset ds = whole_dataset();
  DatasetWriter writer = DatasetWriter::create(url, DatasetSchema::of(ds));
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    int code = 0;
    try {
      write_time_blocks(DatasetWriter::open(url), 2, 4);
    } catch (...) {
      code = 1;
    }
    _exit(code);
  }
  write_time_blocks(writer, 0, 4);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  DatasetWriter::open(url).commit();
  EXPECT_EQ(without_encoding(read(url)), without_encoding(ds));
  fs::remove_all(tmpl);
}

TEST(ZarrDatasetWriter, WritesOnALocationItsCallerOpened) {
  // The Python binding's path to object stores: the location is opened with its
  // filesystem_options (here the file driver's fsync), the writer never sees the URL.
  namespace fs = std::filesystem;
  std::string tmpl = (fs::temp_directory_path() / "nh-zarr-writer-XXXXXX").string();
  ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
  const std::string url = tmpl + "/store.zarr";
  const Value options = Value::object({{"fsync", false}});
  const Dataset ds = whole_dataset();
  DatasetWriter writer =
      DatasetWriter::create(StorageRegistry::open(url, options), DatasetSchema::of(ds));
  write_time_blocks(writer, 0, 4);
  write_time_blocks(DatasetWriter::open(StorageRegistry::open(url, options)), 2, 4);
  writer.commit();
  EXPECT_EQ(without_encoding(read(url)), without_encoding(ds));
  fs::remove_all(tmpl);
}

TEST(ZarrDatasetWriter, RefusesMisalignedAndMismatchedRegions) {
  const Dataset ds = whole_dataset();
  DatasetWriter writer = DatasetWriter::create(memory_url("bad"), DatasetSchema::of(ds));
  try {
    writer.write_region("temp", Selection{{{"time", 1, 3}}}, temp_block(1, 3, 0, kLon));
    ADD_FAILURE() << "no error";
  } catch (const CodecError& e) {
    EXPECT_THAT(e.what(), HasSubstr("zarr variable 'temp'"));
    EXPECT_THAT(e.what(), HasSubstr("time[1:3]"));
    EXPECT_THAT(e.what(), HasSubstr("not aligned"));
  }
  EXPECT_THROW(writer.write_region("temp", Selection{{{"time", 0, 2}}}, temp_block(0, 3, 0, kLon)),
               CodecError);
  EXPECT_THROW(writer.write_region("temp", Selection{{{"time", 8, 10}}}, temp_block(8, 10, 0, kLon)),
               CodecError);
  EXPECT_THROW(writer.write_region("nope", Selection{}, temp_block(0, 1, 0, 1)), CodecError);
  EXPECT_THROW(writer.write_region("time", Selection{}, temp_block(0, 1, 0, 1)), CodecError);
  // The edge chunk may be written on its own.
  writer.write_region("temp", Selection{{{"time", 8, 9}}}, temp_block(8, 9, 0, kLon));
}

TEST(ZarrDatasetReader, SchemaThenBoxesOnDemand) {
  const std::string url = memory_url("reader");
  write(whole_dataset(), url);
  DatasetReader reader = DatasetReader::open(url);
  const DatasetSchema& schema = reader.schema();
  ASSERT_EQ(schema.variables.size(), 2u);
  const VariableSchema& temp = schema.variables.at("temp");
  EXPECT_EQ(temp.dims, (std::vector<std::string>{"time", "lat", "lon"}));
  EXPECT_EQ(temp.dtype, DType::float32);
  EXPECT_EQ(temp.shape, (std::vector<std::int64_t>{kTimes, kLat, kLon}));
  EXPECT_EQ(temp.attrs["units"], Value("K"));
  EXPECT_EQ(temp.encoding["chunks"], Value::array({2, 3, 4}));
  EXPECT_EQ(schema.variables.at("time").dtype, DType::datetime64_ns);  // conventions undone
  EXPECT_EQ(schema.coords, (std::set<std::string>{"time"}));
  EXPECT_EQ(schema.attrs["title"], Value("streamed"));

  EXPECT_EQ(reader.read("temp"), temp_block(0, kTimes, 0, kLon));
  EXPECT_EQ(reader.read("temp", Selection{{{"time", 3, 8}, {"lon", 1, 6}}}),
            temp_block(3, 8, 1, 6));
  EXPECT_EQ(reader.read("time", Selection{{{"time", 7, 9}}}), times(7, 9));
  DatasetReader copy = reader;  // copies share the metadata, from any thread
  std::thread other([&] {
    EXPECT_EQ(copy.read("temp", Selection{{{"time", 0, 1}}}), temp_block(0, 1, 0, kLon));
  });
  other.join();
}

TEST(ZarrDatasetReader, FetchesOnlyTheChunksOfABox) {
  const std::string url = memory_url("reader-count");
  write(whole_dataset(), url);
  auto counting = std::make_shared<testing::CountingStorage>(StorageRegistry::open(url));
  DatasetReader reader = DatasetReader::open(counting);
  EXPECT_EQ(counting->chunk_reads, 0);  // opening reads metadata only
  // time [2, 4) x lon [0, 4): one time chunk (of 2), both lat chunks (of 3), one lon
  // chunk (of 4).
  EXPECT_EQ(reader.read("temp", Selection{{{"time", 2, 4}, {"lon", 0, 4}}}),
            temp_block(2, 4, 0, 4));
  EXPECT_EQ(counting->chunk_reads, 2);
}

TEST(ZarrDatasetReader, ErrorsNameTheVariableAndRange) {
  const std::string url = memory_url("reader-errors");
  write(whole_dataset(), url);
  DatasetReader reader = DatasetReader::open(url);
  try {
    reader.read("nope");
    FAIL() << "expected CodecError";
  } catch (const CodecError& e) {
    EXPECT_THAT(e.what(), HasSubstr("'nope'"));
  }
  try {
    reader.read("temp", Selection{{{"time", 5, 12}}});
    FAIL() << "expected CodecError";
  } catch (const CodecError& e) {
    EXPECT_THAT(e.what(), HasSubstr("time[5:12]"));
    EXPECT_THAT(e.what(), HasSubstr("'temp'"));
  }
  EXPECT_THROW(DatasetReader::open(memory_url("reader-nothing")), CodecError);
}

}  // namespace
}  // namespace nuthatch::zarr
