// Streaming writes: regions written from several threads and from two processes into one
// store read back equal to the dataset written in one go; misaligned regions are refused.

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

}  // namespace
}  // namespace nuthatch::zarr
