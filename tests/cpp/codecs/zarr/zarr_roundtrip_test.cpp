// Round trips through nuthatch::zarr::write / read: both formats, every dtype, 0-D to
// 4-D, uneven edge chunks, every compressor, attributes and coordinates.

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <filesystem>
#include <numeric>

#include "codecs/zarr/group.hpp"
#include "nuthatch/nuthatch.hpp"
#include "codecs/zarr/zarr_test_support.hpp"

namespace nuthatch::zarr {
namespace {

using testing::var;

using testing::memory_url;
using testing::without_encoding;

template <class T>
NDArray ramp(std::vector<std::int64_t> shape, double scale = 1.0) {
  std::int64_t n = std::accumulate(shape.begin(), shape.end(), std::int64_t{1},
                                   std::multiplies<>());
  std::vector<T> v(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) v[static_cast<std::size_t>(i)] = static_cast<T>(i * scale);
  return NDArray::from_vector(std::move(v), std::move(shape));
}

Value chunks(std::initializer_list<Value> c) { return Value::object({{"chunks", Value::array(c)}}); }

/// A dataset with every dtype, ranks 0 to 4 and uneven edge chunks.
Dataset every_dtype() {
  Dataset ds;
  ds.variables["b"] = var({"x"}, NDArray::from_vector(std::vector<bool>{true, false, true, true, false}, {5}), chunks({2}));
  ds.variables["i8"] = var({"x"}, ramp<std::int8_t>({5}), chunks({3}));
  ds.variables["i16"] = var({"y", "x"}, ramp<std::int16_t>({7, 5}, -3), chunks({3, 2}));
  ds.variables["i32"] = var({"y", "x"}, ramp<std::int32_t>({7, 5}, 1000), chunks({7, 5}));
  ds.variables["i64"] = var({"t", "y", "x"}, ramp<std::int64_t>({3, 7, 5}, -123456789), chunks({2, 4, 3}));
  ds.variables["u8"] = var({"x"}, ramp<std::uint8_t>({5}), chunks({4}));
  ds.variables["u16"] = var({"x"}, ramp<std::uint16_t>({5}, 300));
  ds.variables["u32"] = var({"x"}, ramp<std::uint32_t>({5}, 70000));
  ds.variables["u64"] = var({"x"}, ramp<std::uint64_t>({5}, 1e12));
  ds.variables["f32"] = var({"t", "y", "x", "z"}, ramp<float>({3, 7, 5, 2}, 0.5), chunks({2, 3, 2, 1}));
  ds.variables["f64"] = var({"t", "y", "x"}, ramp<double>({3, 7, 5}, 0.25), chunks({1, 5, 5}));
  ds.variables["scalar"] = var({}, NDArray::from_vector(std::vector<double>{42.5}, {}));
  ds.variables["t"] = var({"t"}, NDArray::datetimes({0, 86'400'000'000'000, 172'800'000'000'000}, {3}), chunks({2}));
  ds.variables["x"] = var({"x"}, NDArray::strings({"a", "", "héllo", "wörld", "🐦"}, {5}), chunks({2}));
  ds.coords = {"t", "x"};
  ds.attrs = Value::object({{"title", "every dtype"}, {"n", 3}, {"list", Value::array({1, 2.5, "a"})}});
  ds.variables["f64"].attrs = Value::object({{"long_name", "ramp"}, {"nested", Value::object({{"k", true}})}});
  return ds;
}

struct Case {
  int format;
  std::string compressor;
  std::string cname;
};

class ZarrRoundTrip : public ::testing::TestWithParam<Case> {};

TEST_P(ZarrRoundTrip, EveryDtypeAndRank) {
  Dataset ds = every_dtype();
  for (auto& [name, v] : ds.variables) {
    v.encoding["compressor"] = GetParam().compressor;
    if (!GetParam().cname.empty()) v.encoding["cname"] = GetParam().cname;
  }
  for (bool consolidated : {true, false}) {
    const std::string url = memory_url("roundtrip");
    write(ds, url, {.zarr_format = GetParam().format, .consolidated = consolidated});
    Dataset back = read(url);
    EXPECT_EQ(without_encoding(back), without_encoding(ds)) << "consolidated=" << consolidated;
    EXPECT_EQ(back.variables.at("t").data.dtype(), DType::datetime64_ns);
  }
}

INSTANTIATE_TEST_SUITE_P(
    FormatsAndCompressors, ZarrRoundTrip,
    ::testing::Values(Case{3, "zstd", ""}, Case{3, "blosc", ""}, Case{3, "blosc", "zstd"},
                      Case{3, "gzip", ""}, Case{3, "none", ""}, Case{2, "zstd", ""},
                      Case{2, "blosc", ""}, Case{2, "blosc", "zstd"}, Case{2, "gzip", ""},
                      Case{2, "none", ""}),
    [](const auto& info) {
      return "v" + std::to_string(info.param.format) + "_" + info.param.compressor +
             (info.param.cname.empty() ? "" : "_" + info.param.cname);
    });

TEST(ZarrRoundTrip, LargeArrayUsesAutomaticChunksAndRoundTrips) {
  Dataset ds;
  ds.variables["v"] = var({"time", "lat", "lon"}, ramp<float>({40, 180, 360}, 0.1));
  const std::string url = memory_url("auto");
  write(ds, url);
  EXPECT_EQ(without_encoding(read(url)), ds);
  EXPECT_EQ(auto_chunks({40, 180, 360}, DType::float32), (std::vector<std::int64_t>{16, 180, 360}));
  EXPECT_EQ(auto_chunks({2, 2048, 2048}, DType::float64), (std::vector<std::int64_t>{1, 256, 2048}));
  EXPECT_EQ(auto_chunks({10}, DType::int8), (std::vector<std::int64_t>{10}));
  EXPECT_EQ(auto_chunks({0, 3}, DType::int8), (std::vector<std::int64_t>{1, 3}));
}

TEST(ZarrRoundTrip, NonDimensionCoordinatesAndPlainCfTimes) {
  Dataset ds;
  ds.variables["temp"] = var({"y", "x"}, ramp<double>({2, 3}));
  ds.variables["lat"] = var({"y", "x"}, ramp<double>({2, 3}, 2));
  ds.variables["label"] = var({"z"}, NDArray::strings({"p"}, {1}));
  ds.variables["days"] = var({"y"}, ramp<std::int64_t>({2}));
  ds.variables["days"].attrs = Value::object({{"units", "days since 2000-01-01"}, {"calendar", "standard"}});
  ds.coords = {"lat", "label"};
  for (int format : {2, 3}) {
    const std::string url = memory_url("coords");
    write(ds, url, {.zarr_format = format});
    Dataset back = read(url);
    EXPECT_EQ(without_encoding(back), ds);
    EXPECT_EQ(back.variables.at("days").data.dtype(), DType::int64);  // CF time is data
  }
}

TEST(ZarrRoundTrip, EmptyArraysAndEmptyDataset) {
  Dataset ds;
  ds.variables["e"] = var({"x", "y"}, NDArray::zeros(DType::float32, {0, 4}));
  const std::string url = memory_url("empty");
  write(ds, url);
  EXPECT_EQ(without_encoding(read(url)), ds);
  const std::string url2 = memory_url("nothing");
  write(Dataset{}, url2, {.zarr_format = 2});
  EXPECT_EQ(without_encoding(read(url2)), Dataset{});
}

TEST(ZarrRoundTrip, FileDriverAndOverwrite) {
  char tmpl[] = "/tmp/nh-zarr-XXXXXX";
  const std::string dir = std::string(mkdtemp(tmpl)) + "/store.zarr";
  Dataset ds = every_dtype();
  write(ds, dir);
  Dataset smaller;
  smaller.variables["only"] = var({"x"}, ramp<double>({3}));
  write(smaller, dir, {.zarr_format = 2});
  EXPECT_EQ(without_encoding(read(dir)), smaller);
  std::filesystem::remove_all(std::filesystem::path(dir).parent_path());
}

}  // namespace
}  // namespace nuthatch::zarr
