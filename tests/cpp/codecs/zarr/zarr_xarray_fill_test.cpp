// xarray's fill-value conventions across formats, non-finite numbers in metadata JSON,
// v3 fixed_length_utf32 strings, and the encoding read() returns so that a copy keeps
// chunks and fill values.

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>

#include "codecs/zarr/zarr_json.hpp"
#include "codecs/zarr/zarr_test_support.hpp"
#include "nuthatch/nuthatch.hpp"

namespace nuthatch::zarr {
namespace {

using testing::memory_url;

constexpr std::string_view kBase64PosInf = "AAAAAAAA8H8=";  // <d +inf, as xarray writes

Value json_at(const std::string& url, const std::string& path) {
  auto text = StorageRegistry::open(url)->read(path);
  EXPECT_TRUE(text.has_value()) << path;
  return text ? parse_metadata_json(*text, path) : Value();
}

/// A v2 store with one 1-d array "a" (no compressor) of `dtype`, `fill` and chunk `bytes`.
std::string v2_store(const std::string& dtype, const std::string& fill, std::string bytes,
                     std::int64_t n) {
  const std::string url = memory_url("xrfill");
  auto storage = StorageRegistry::open(url);
  storage->write(".zgroup", R"({"zarr_format":2})");
  storage->write(".zattrs", R"({"nan_attr": NaN, "inf_attrs": [Infinity, -Infinity]})");
  storage->write("a/.zarray", R"({"chunks":[)" + std::to_string(n) +
                                  R"(],"compressor":null,"dtype":")" + dtype +
                                  R"(","fill_value":)" + fill +
                                  R"(,"filters":null,"order":"C","shape":[)" +
                                  std::to_string(n) + R"(],"zarr_format":2})");
  storage->write("a/.zattrs", R"({"_ARRAY_DIMENSIONS":["x"]})");
  storage->write("a/0", bytes);
  return url;
}

template <class T>
std::string raw(std::vector<T> v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

/// A v3 store with one float array "a" of 4 elements in chunks of 2, only chunk 0 stored.
std::string v3_float_store(const std::string& dtype, const std::string& fill, std::string chunk0) {
  const std::string url = memory_url("xrfill3");
  auto storage = StorageRegistry::open(url);
  storage->write("zarr.json", R"({"zarr_format":3,"node_type":"group","attributes":{}})");
  storage->write("a/zarr.json",
                 R"({"zarr_format":3,"node_type":"array","shape":[4],"data_type":")" + dtype +
                     R"(","chunk_grid":{"name":"regular","configuration":{"chunk_shape":[2]}},)"
                     R"("chunk_key_encoding":{"name":"default","configuration":{"separator":"/"}},)"
                     R"("fill_value":")" + fill +
                     R"(","codecs":[{"name":"bytes","configuration":{"endian":"little"}}],)"
                     R"("dimension_names":["x"],"attributes":{}})");
  storage->write("a/c/0", chunk0);
  return url;
}

TEST(ZarrXarrayFill, V3HexFillValuesAreTheElementsBits) {
  Dataset f32 = read(v3_float_store("float32", "0x3f800000", raw<float>({5, 6})));
  EXPECT_EQ(f32.variables.at("a").data.values<float>()[3], 1.0f);
  Dataset f64 = read(v3_float_store("float64", "0x4000000000000000", raw<double>({5, 6})));
  EXPECT_EQ(f64.variables.at("a").data.values<double>()[2], 2.0);
  // A NaN with a payload keeps it.
  Dataset nan = read(v3_float_store("float32", "0x7fc00001", raw<float>({5, 6})));
  EXPECT_EQ(std::bit_cast<std::uint32_t>(nan.variables.at("a").data.values<float>()[3]),
            0x7fc00001u);
  // A hex string of the wrong width is an error naming it.
  try {
    read(v3_float_store("float32", "0x4000000000000000", raw<float>({5, 6})));
    FAIL() << "a float64-wide hex fill on float32 was accepted";
  } catch (const CodecError& e) {
    EXPECT_NE(std::string(e.what()).find("0x4000000000000000"), std::string::npos) << e.what();
  }
}

TEST(ZarrXarrayFill, NullV2FillValueStaysNull) {
  const std::string src = v2_store("<i8", "null", raw<std::int64_t>({1, 2, 3}), 3);
  Dataset ds = read(src);
  EXPECT_TRUE(ds.variables.at("a").encoding["fill_value"].is_null());
  const std::string v2 = memory_url("xrfill-v2");
  write(ds, v2, {.zarr_format = 2});
  EXPECT_TRUE(json_at(v2, "a/.zarray")["fill_value"].is_null());
  const std::string v3 = memory_url("xrfill-v3");
  write(ds, v3, {.zarr_format = 3});
  Value meta = json_at(v3, "a/zarr.json");
  EXPECT_EQ(meta["fill_value"], Value(0));
  EXPECT_FALSE(meta["attributes"].contains("_FillValue"));
}

TEST(ZarrXarrayFill, V2FillValueBecomesV3FillValueAttribute) {
  const std::string src = v2_store("<i2", "-999", raw<std::int16_t>({1, -999}), 2);
  const std::string v3 = memory_url("xrfill-v3");
  write(read(src), v3);
  Value meta = json_at(v3, "a/zarr.json");
  EXPECT_EQ(meta["fill_value"], Value(-999));
  EXPECT_EQ(meta["attributes"]["_FillValue"], Value(-999));

  // Back to v2: the attribute becomes the fill_value again and leaves the attributes.
  const std::string v2 = memory_url("xrfill-v2");
  write(read(v3), v2, {.zarr_format = 2});
  EXPECT_EQ(json_at(v2, "a/.zarray")["fill_value"], Value(-999));
  EXPECT_FALSE(json_at(v2, "a/.zattrs").contains("_FillValue"));
}

TEST(ZarrXarrayFill, InfinityFillValuesCrossFormats) {
  const double inf = std::numeric_limits<double>::infinity();
  const std::string src = v2_store("<f8", R"("Infinity")", raw<double>({1.0, inf}), 2);
  Dataset ds = read(src);
  EXPECT_EQ(ds.variables.at("a").encoding["fill_value"], Value("Infinity"));
  const std::string v3 = memory_url("xrfill-v3");
  write(ds, v3);
  Value meta = json_at(v3, "a/zarr.json");
  EXPECT_EQ(meta["fill_value"], Value("Infinity"));
  EXPECT_EQ(meta["attributes"]["_FillValue"], Value(std::string(kBase64PosInf)));
  const std::string v2 = memory_url("xrfill-v2");
  write(read(v3), v2, {.zarr_format = 2});
  EXPECT_EQ(json_at(v2, "a/.zarray")["fill_value"], Value("Infinity"));
}

TEST(ZarrXarrayFill, BareNonFiniteAttributesAreReadAndWrittenAsPythonDoes) {
  const std::string src = v2_store("<f8", R"("NaN")", raw<double>({1.0, 2.0}), 2);
  Dataset ds = read(src);
  EXPECT_TRUE(std::isnan(ds.attrs["nan_attr"].as<double>()));
  EXPECT_EQ(ds.attrs["inf_attrs"][1].as<double>(), -std::numeric_limits<double>::infinity());
  const std::string v2 = memory_url("xrfill-v2");
  write(ds, v2, {.zarr_format = 2});
  const std::string text = *StorageRegistry::open(v2)->read(".zattrs");
  EXPECT_NE(text.find("NaN"), std::string::npos) << text;
  EXPECT_NE(text.find("-Infinity"), std::string::npos) << text;
  EXPECT_EQ(text.find("null"), std::string::npos) << text;
}

TEST(ZarrXarrayFill, MetadataJsonKeepsTokensInsideStrings) {
  Value v = parse_metadata_json(R"({"s": "NaN Infinity", "n": [NaN, -Infinity, 1]})", "t");
  EXPECT_EQ(v["s"], Value("NaN Infinity"));
  EXPECT_TRUE(std::isnan(v["n"][0].as<double>()));
  EXPECT_EQ(v["n"][2], Value(1));
  Value back = parse_metadata_json(dump_metadata_json(v), "t");
  EXPECT_EQ(back["s"], Value("NaN Infinity"));
  EXPECT_EQ(back["n"][1].as<double>(), -std::numeric_limits<double>::infinity());
}

TEST(ZarrXarrayFill, ReadsV3FixedLengthUtf32) {
  const std::string url = memory_url("utf32");
  auto storage = StorageRegistry::open(url);
  storage->write("zarr.json", R"({"zarr_format":3,"node_type":"group","attributes":{}})");
  storage->write("s/zarr.json", R"({"shape":[2],"data_type":{"name":"fixed_length_utf32",
    "configuration":{"length_bytes":8}},"chunk_grid":{"name":"regular","configuration":
    {"chunk_shape":[2]}},"chunk_key_encoding":{"name":"default","configuration":
    {"separator":"/"}},"fill_value":"","codecs":[{"name":"bytes","configuration":
    {"endian":"little"}}],"attributes":{},"dimension_names":["s"],"zarr_format":3,
    "node_type":"array","storage_transformers":[]})");
  std::string chunk(16, '\0');
  chunk[0] = 'a';
  chunk[4] = 'b';
  chunk[8] = static_cast<char>(0xE9);  // é
  storage->write("s/c/0", chunk);
  Dataset ds = read(url);
  EXPECT_EQ(ds.variables.at("s").data.string_values(), (std::vector<std::string>{"ab", "é"}));
  const std::string v3 = memory_url("utf32-copy");
  write(ds, v3);
  EXPECT_EQ(json_at(v3, "s/zarr.json")["data_type"], Value("string"));
  EXPECT_EQ(read(v3).variables.at("s").data.string_values(),
            (std::vector<std::string>{"ab", "é"}));
}

TEST(ZarrXarrayFill, ReadEncodingKeepsChunksAndCompressor) {
  Dataset ds;
  Variable v;
  v.dims = {"x"};
  v.data = NDArray::from_vector(std::vector<float>{1, 2, 3, 4, 5}, {5});
  v.encoding = Value::object({{"chunks", Value::array({2})}, {"compressor", "gzip"},
                              {"level", 5}});
  ds.variables["v"] = v;
  const std::string url = memory_url("enc");
  write(ds, url);
  Value enc = read(url).variables.at("v").encoding;
  EXPECT_EQ(enc["chunks"], Value::array({2}));
  EXPECT_EQ(enc["compressor"], Value("gzip"));
  EXPECT_EQ(enc["level"], Value(5));
  EXPECT_EQ(enc["fill_value"], Value("NaN"));
  const std::string copy = memory_url("enc-copy");
  write(read(url), copy, {.zarr_format = 2});
  EXPECT_EQ(json_at(copy, "v/.zarray")["chunks"], Value::array({2}));
  // No _FillValue in v3: not a missing-value marker, so none in v2 either (as xarray).
  EXPECT_TRUE(json_at(copy, "v/.zarray")["fill_value"].is_null());
}

}  // namespace
}  // namespace nuthatch::zarr
