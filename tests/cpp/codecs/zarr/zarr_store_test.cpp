// What a store looks like on storage (metadata keys, fill values, consolidated metadata),
// hand-written stores with other codecs (crc32c, big endian, transpose, v2 "<U"), missing
// chunks, selection reads that touch only their chunks, and errors on bad input.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "codecs/zarr/crc32c.hpp"
#include "codecs/zarr/group.hpp"
#include "common/json.hpp"
#include "nuthatch/nuthatch.hpp"
#include "codecs/zarr/zarr_test_support.hpp"

namespace nuthatch::zarr {
namespace {

using testing::var;

using ::testing::HasSubstr;
using testing::CountingStorage;
using testing::memory_url;

NDArray floats(std::int64_t n) {
  std::vector<double> v(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) v[static_cast<std::size_t>(i)] = static_cast<double>(i);
  return NDArray::from_vector(std::move(v), {n});
}

Value json_at(const std::string& url, const std::string& path) {
  auto text = StorageRegistry::open(url)->read(path);
  EXPECT_TRUE(text.has_value()) << path;
  return text ? from_json(*text) : Value();
}

std::string raw_le(const std::vector<double>& v) {
  std::string out(v.size() * 8, '\0');
  std::memcpy(out.data(), v.data(), out.size());
  return out;
}

TEST(ZarrStore, V3MetadataFollowsTheSpecAndXarray) {
  Dataset ds;
  ds.variables["temp"] = var({"x"}, floats(5), Value::object({{"chunks", Value::array({2})}}));
  ds.variables["lat"] = var({"x"}, floats(5));
  ds.coords = {"lat"};
  const std::string url = memory_url("v3meta");
  write(ds, url);
  Value arr = json_at(url, "temp/zarr.json");
  EXPECT_EQ(arr["zarr_format"], Value(3));
  EXPECT_EQ(arr["node_type"], Value("array"));
  EXPECT_EQ(arr["data_type"], Value("float64"));
  EXPECT_EQ(arr["fill_value"], Value("NaN"));
  EXPECT_EQ(arr["dimension_names"], Value::array({"x"}));
  EXPECT_EQ(arr["chunk_grid"]["configuration"]["chunk_shape"], Value::array({2}));
  EXPECT_EQ(arr["chunk_key_encoding"]["name"], Value("default"));
  EXPECT_EQ(arr["codecs"][0]["name"], Value("bytes"));
  EXPECT_EQ(arr["codecs"][1]["name"], Value("blosc"));  // the default compressor
  EXPECT_EQ(arr["codecs"][1]["configuration"]["cname"], Value("lz4"));
  EXPECT_EQ(arr["codecs"][1]["configuration"]["shuffle"], Value("shuffle"));
  EXPECT_EQ(arr["codecs"][1]["configuration"]["typesize"], Value(8));
  EXPECT_EQ(arr["attributes"]["coordinates"], Value("lat"));
  Value group = json_at(url, "zarr.json");
  EXPECT_EQ(group["node_type"], Value("group"));
  EXPECT_EQ(group["consolidated_metadata"]["kind"], Value("inline"));
  EXPECT_EQ(group["consolidated_metadata"]["metadata"]["temp"], arr);
  EXPECT_TRUE(StorageRegistry::open(url)->stat("temp/c/0").has_value());
  EXPECT_TRUE(StorageRegistry::open(url)->stat("temp/c/2").has_value());
}

TEST(ZarrStore, V2MetadataFollowsNumcodecsAndXarray) {
  Dataset ds;
  ds.variables["f"] = var({"y", "x"}, NDArray::from_vector(std::vector<float>{1, 2, 3, 4}, {2, 2}),
                          Value::object({{"chunks", Value::array({1, 2})}, {"compressor", "blosc"}}));
  ds.variables["s"] = var({"x"}, NDArray::strings({"a", "b"}, {2}));
  const std::string url = memory_url("v2meta");
  write(ds, url, {.zarr_format = 2});
  Value zarray = json_at(url, "f/.zarray");
  EXPECT_EQ(zarray["dtype"], Value("<f4"));
  EXPECT_EQ(zarray["order"], Value("C"));
  EXPECT_EQ(zarray["fill_value"], Value("NaN"));
  EXPECT_EQ(zarray["dimension_separator"], Value("."));
  EXPECT_EQ(zarray["compressor"]["id"], Value("blosc"));
  EXPECT_EQ(zarray["compressor"]["cname"], Value("lz4"));
  EXPECT_EQ(zarray["compressor"]["shuffle"], Value(1));
  EXPECT_TRUE(zarray["filters"].is_null());
  EXPECT_EQ(json_at(url, "f/.zattrs")["_ARRAY_DIMENSIONS"], Value::array({"y", "x"}));
  Value s = json_at(url, "s/.zarray");
  EXPECT_EQ(s["dtype"], Value("|O"));
  EXPECT_EQ(s["filters"], Value::array({Value::object({{"id", "vlen-utf8"}})}));
  EXPECT_EQ(json_at(url, ".zgroup"), Value::object({{"zarr_format", 2}}));
  Value zmeta = json_at(url, ".zmetadata");
  EXPECT_EQ(zmeta["zarr_consolidated_format"], Value(1));
  EXPECT_EQ(zmeta["metadata"]["f/.zarray"], zarray);
  EXPECT_TRUE(StorageRegistry::open(url)->stat("f/1.0").has_value());
}

TEST(ZarrStore, InfiniteFillValuesAndMissingChunksReadAsFill) {
  const double inf = std::numeric_limits<double>::infinity();
  for (int format : {2, 3}) {
    for (Value fill : {Value("Infinity"), Value("-Infinity"), Value("NaN"), Value(-9.5)}) {
      Dataset ds;
      ds.variables["v"] = var({"x"}, floats(6), Value::object({{"chunks", Value::array({2})},
                                                              {"fill_value", fill}}));
      const std::string url = memory_url("fill");
      write(ds, url, {.zarr_format = format});
      const std::string meta = format == 3 ? "v/zarr.json" : "v/.zarray";
      EXPECT_EQ(json_at(url, meta)["fill_value"], fill);
      StorageRegistry::open(url)->remove({format == 3 ? "v/c/1" : "v/1"});
      const Dataset back = read(url);
      auto values = back.variables.at("v").data.values<double>();
      double expected = fill.is_string() ? (fill.string_ref() == "NaN" ? NAN
                                            : fill.string_ref() == "Infinity" ? inf : -inf)
                                         : fill.as<double>();
      EXPECT_EQ(values[1], 1.0);
      for (int i : {2, 3}) {
        if (std::isnan(expected)) EXPECT_TRUE(std::isnan(values[i]));
        else EXPECT_EQ(values[i], expected);
      }
      EXPECT_EQ(values[4], 4.0);
    }
  }
}

TEST(ZarrStore, SelectionReadsOnlyTheChunksItTouches) {
  Dataset ds;
  std::vector<std::int32_t> v(100 * 10);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<std::int32_t>(i);
  ds.variables["v"] = var({"time", "x"}, NDArray::from_vector(v, {100, 10}),
                          Value::object({{"chunks", Value::array({10, 5})}}));
  ds.variables["time"] = var({"time"}, floats(100), Value::object({{"chunks", Value::array({10})}}));
  ds.coords = {"time"};
  const std::string url = memory_url("select");
  write(ds, url);
  CountingStorage counting(StorageRegistry::open(url));
  Selection sel{{{"time", 25, 38}}};
  Dataset part = read_group(counting, "", &sel);
  EXPECT_EQ(counting.chunk_reads.load(), 2 * 2 + 2);  // v: 2 time chunks x 2 x chunks
  const NDArray& data = part.variables.at("v").data;
  ASSERT_EQ(data.shape(), (std::vector<std::int64_t>{13, 10}));
  EXPECT_EQ(data.values<std::int32_t>()[0], 250);
  EXPECT_EQ(data.values<std::int32_t>()[129], 379);
  EXPECT_EQ(part.variables.at("time").data.values<double>()[0], 25.0);
  EXPECT_EQ(read(url, Selection{{{"x", 3, 4}}}).variables.at("v").data.shape(),
            (std::vector<std::int64_t>{100, 1}));
  EXPECT_THROW(read(url, Selection{{{"time", 90, 101}}}), CodecError);
}

TEST(ZarrStore, Crc32cMatchesTheStandardCheckValue) {
  EXPECT_EQ(crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(crc32c(""), 0u);
}

/// A hand-written v3 array "a" of shape [2, 3] with the given codecs and chunk bytes.
std::string hand_written_v3(const Value& codecs, const std::string& chunk, const char* type = "float64") {
  const std::string url = memory_url("hand");
  auto storage = StorageRegistry::open(url);
  storage->write("zarr.json", R"({"zarr_format":3,"node_type":"group","attributes":{}})");
  Value meta = Value::object(
      {{"zarr_format", 3}, {"node_type", "array"}, {"shape", Value::array({2, 3})},
       {"data_type", type},
       {"chunk_grid", Value::object({{"name", "regular"},
                                     {"configuration", Value::object({{"chunk_shape", Value::array({2, 3})}})}})},
       {"chunk_key_encoding", Value::object({{"name", "default"}})},
       {"fill_value", 0}, {"codecs", codecs}, {"dimension_names", Value::array({"y", "x"})}});
  storage->write("a/zarr.json", to_json(meta));
  storage->write("a/c/0/0", chunk);
  return url;
}

Value codec(const char* name, Value config = Value::object()) {
  return Value::object({{"name", name}, {"configuration", config}});
}

TEST(ZarrStore, ReadsCrc32cBigEndianAndTranspose) {
  const std::vector<double> logical = {0, 1, 2, 3, 4, 5};
  std::string body = raw_le(logical);
  std::string with_crc = body;
  std::uint32_t crc = crc32c(body);
  for (int i = 0; i < 4; ++i) with_crc.push_back(static_cast<char>((crc >> (8 * i)) & 0xFF));
  auto url = hand_written_v3(Value::array({codec("bytes", Value::object({{"endian", "little"}})),
                                           codec("crc32c")}), with_crc);
  EXPECT_EQ(read(url).variables.at("a").data.values<double>()[5], 5.0);

  std::string big = body;
  for (std::size_t i = 0; i < big.size(); i += 8) std::reverse(big.begin() + i, big.begin() + i + 8);
  url = hand_written_v3(Value::array({codec("bytes", Value::object({{"endian", "big"}}))}), big);
  EXPECT_EQ(read(url).variables.at("a").data.values<double>()[4], 4.0);

  // Stored transposed (x, y): 0 3 1 4 2 5.
  url = hand_written_v3(Value::array({codec("transpose", Value::object({{"order", Value::array({1, 0})}})),
                                      codec("bytes")}), raw_le({0, 3, 1, 4, 2, 5}));
  const Dataset back = read(url);
  auto values = back.variables.at("a").data.values<double>();
  EXPECT_EQ(std::vector<double>(values.begin(), values.end()), logical);
}

TEST(ZarrStore, ReadsV2FixedWidthUnicode) {
  const std::string url = memory_url("unicode");
  auto storage = StorageRegistry::open(url);
  storage->write(".zgroup", R"({"zarr_format":2})");
  storage->write("s/.zarray", R"({"chunks":[2],"compressor":null,"dtype":"<U2","fill_value":"",
    "filters":null,"order":"C","shape":[2],"zarr_format":2})");
  storage->write("s/.zattrs", R"({"_ARRAY_DIMENSIONS":["s"]})");
  std::string chunk(16, '\0');
  chunk[0] = 'a';
  chunk[4] = 'b';
  chunk[8] = static_cast<char>(0xE9);  // é
  storage->write("s/0", chunk);
  Dataset ds = read(url);
  EXPECT_EQ(ds.variables.at("s").data.string_values(), (std::vector<std::string>{"ab", "é"}));
  EXPECT_EQ(ds.coords, (std::set<std::string>{"s"}));
}

void expect_codec_error(const std::string& url, const std::vector<std::string>& parts) {
  try {
    read(url);
    ADD_FAILURE() << "no error";
  } catch (const CodecError& e) {
    for (const auto& p : parts) EXPECT_THAT(e.what(), HasSubstr(p));
  }
}

TEST(ZarrStore, BadInputNamesArrayChunkAndCause) {
  expect_codec_error(hand_written_v3(Value::array({codec("bytes"), codec("zstd")}), "garbage!"),
                     {"zarr array 'a'", "chunk 'a/c/0/0'", "zstd"});
  expect_codec_error(hand_written_v3(Value::array({codec("bytes")}), raw_le({1, 2, 3})),
                     {"'a'", "a/c/0/0", "24 bytes", "48"});
  expect_codec_error(hand_written_v3(Value::array({codec("bytes")}), "", "complex128"),
                     {"'a'", "unsupported data_type 'complex128'"});
  expect_codec_error(hand_written_v3(Value::array({codec("bytes"), codec("lzma")}), ""),
                     {"'a'", "unsupported codec 'lzma'"});
  std::string body = raw_le({0, 1, 2, 3, 4, 5}) + "\x01\x02\x03\x04";
  expect_codec_error(hand_written_v3(Value::array({codec("bytes"), codec("crc32c")}), body),
                     {"a/c/0/0", "checksum mismatch"});

  Dataset ds;
  ds.variables["v"] = var({"x"}, floats(6), Value::object({{"chunks", Value::array({3})}}));
  const std::string url = memory_url("truncated");
  write(ds, url);
  auto storage = StorageRegistry::open(url);
  std::string chunk = *storage->read("v/c/1");
  storage->write("v/c/1", chunk.substr(0, chunk.size() / 2));
  expect_codec_error(url, {"zarr array 'v'", "chunk 'v/c/1'"});
  expect_codec_error(memory_url("nothing"), {"no Zarr group"});
}

TEST(ZarrStore, RejectsBadWrites) {
  Dataset ds;
  ds.variables["v"] = var({"x", "y"}, floats(3));
  EXPECT_THROW(write(ds, memory_url("bad")), CodecError);
  ds.variables["v"] = var({"x"}, floats(3), Value::object({{"compressor", "lzma"}}));
  EXPECT_THROW(write(ds, memory_url("bad")), CodecError);
  ds.variables["v"] = var({"x"}, floats(3));
  EXPECT_THROW(write(ds, memory_url("bad"), {.zarr_format = 4}), ConfigError);
}

}  // namespace
}  // namespace nuthatch::zarr
