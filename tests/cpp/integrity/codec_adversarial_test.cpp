// Stored bytes cannot crash or hang the codecs: hostile zarr metadata, a gzip bomb, a lying
// shard index and a msgpack bomb each end in a CodecError naming where and why, inside a
// child process with a time limit (and an address-space limit for the bomb), so a crash,
// a hang or another exception type fails the scenario instead of the test program.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "codecs/zarr/crc32c.hpp"
#include "common/json.hpp"
#include "integrity/isolated.hpp"
#include "nuthatch/nuthatch.hpp"

namespace nuthatch {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

constexpr std::uint64_t kGiB = std::uint64_t{1} << 30;
const testing::IsolationLimits kQuick{.timeout = 30s};

std::string fresh_url(const std::string& tag) {
  static int counter = 0;
  return "memory://adversarial-" + tag + "-" + std::to_string(::getpid()) + "-" +
         std::to_string(counter++);
}

/// A v3 group holding one array "a" whose zarr.json is `array` (with defaults filled in).
std::string v3_store(Value array) {
  const std::string url = fresh_url("v3");
  auto storage = StorageRegistry::open(url);
  storage->write("zarr.json", R"({"zarr_format":3,"node_type":"group","attributes":{}})");
  Value doc = Value::object(
      {{"zarr_format", 3},
       {"node_type", "array"},
       {"shape", Value::array({4})},
       {"data_type", "float64"},
       {"chunk_grid",
        Value::object({{"name", "regular"},
                       {"configuration", Value::object({{"chunk_shape", Value::array({4})}})}})},
       {"chunk_key_encoding", Value::object({{"name", "default"}})},
       {"fill_value", 0},
       {"codecs", Value::array({Value::object({{"name", "bytes"}})})}});
  for (const auto& [k, v] : array.members()) doc[k] = v;
  storage->write("a/zarr.json", to_json(doc));
  return url;
}

/// A v2 group holding one array "a" whose .zarray is `zarray` (with defaults filled in).
std::string v2_store(Value zarray, const std::string& tag = "v2") {
  const std::string url = fresh_url(tag);
  auto storage = StorageRegistry::open(url);
  storage->write(".zgroup", R"({"zarr_format":2})");
  Value doc = Value::object({{"zarr_format", 2},
                             {"shape", Value::array({4})},
                             {"chunks", Value::array({4})},
                             {"dtype", "<f8"},
                             {"fill_value", 0},
                             {"compressor", Value()},
                             {"filters", Value()},
                             {"order", "C"}});
  for (const auto& [k, v] : zarray.members()) doc[k] = v;
  storage->write("a/.zarray", to_json(doc));
  return url;
}

/// Expects zarr::read(url) to throw a CodecError whose message holds every one of `parts`.
void expect_codec_error(const std::string& url, const std::vector<std::string>& parts) {
  try {
    zarr::read(url);
    ADD_FAILURE() << "no error reading " << url;
  } catch (const CodecError& e) {
    for (const auto& p : parts) EXPECT_THAT(e.what(), HasSubstr(p));
  }
}

TEST(CodecAdversarial, ShapeWhoseElementCountOverflowsInt64) {
  EXPECT_ISOLATED_PASS(
      [] {
        const Value huge = Value::array({std::int64_t{1} << 40, std::int64_t{1} << 40});
        expect_codec_error(
            v3_store(Value::object(
                {{"shape", huge},
                 {"chunk_grid",
                  Value::object({{"name", "regular"},
                                 {"configuration",
                                  Value::object({{"chunk_shape", Value::array({1, 1})}})}})}})),
            {"zarr array 'a'", "element count exceeds"});
        expect_codec_error(
            v2_store(Value::object({{"shape", huge}, {"chunks", Value::array({1, 1})}})),
            {"zarr array 'a'", "element count exceeds"});
        // A chunk shape whose product overflows, and one that would decode to 2^62 bytes.
        expect_codec_error(
            v2_store(Value::object({{"shape", Value::array({4, 4})}, {"chunks", huge}})),
            {"chunk shape's element count exceeds"});
        // Zero and negative sizes.
        expect_codec_error(v2_store(Value::object({{"chunks", Value::array({0})}})),
                           {"chunk shape has an extent below 1"});
        expect_codec_error(v2_store(Value::object({{"shape", Value::array({-4})}})),
                           {"negative extent"});
        // More dimensions than any array has.
        expect_codec_error(v2_store(Value::object({{"shape", Value(Value::Array(100, 1))},
                                                   {"chunks", Value(Value::Array(100, 1))}})),
                           {"dimensions, more than the limit"});
      },
      kQuick);
}

TEST(CodecAdversarial, ZeroWidthStringTypes) {
  EXPECT_ISOLATED_PASS(
      [] {
        expect_codec_error(v2_store(Value::object({{"dtype", "<U0"}, {"fill_value", Value()}})),
                           {"zarr array 'a'", "'<U0'"});
        expect_codec_error(v2_store(Value::object({{"dtype", "|S0"}, {"fill_value", Value()}})),
                           {"zarr array 'a'", "'|S0'"});
        expect_codec_error(v2_store(Value::object({{"dtype", "<Uabc"}, {"fill_value", Value()}})),
                           {"zarr array 'a'", "'<Uabc'"});
        expect_codec_error(
            v2_store(Value::object({{"dtype", "<U99999999999999999999"}, {"fill_value", Value()}})),
            {"zarr array 'a'"});
        const Value utf32_0 =
            Value::object({{"name", "fixed_length_utf32"},
                           {"configuration", Value::object({{"length_bytes", 0}})}});
        expect_codec_error(v3_store(Value::object({{"data_type", utf32_0}, {"fill_value", ""}})),
                           {"zarr array 'a'", "fixed_length_utf32"});
      },
      kQuick);
}

TEST(CodecAdversarial, EmptyChunkKeySeparator) {
  EXPECT_ISOLATED_PASS(
      [] {
        const Value empty_sep = Value::object(
            {{"name", "default"}, {"configuration", Value::object({{"separator", ""}})}});
        expect_codec_error(v3_store(Value::object({{"chunk_key_encoding", empty_sep}})),
                           {"zarr array 'a'", "separator"});
        expect_codec_error(v2_store(Value::object({{"dimension_separator", ""}})),
                           {"zarr array 'a'", "separator"});
        const Value unknown = Value::object({{"name", "mine"}});
        expect_codec_error(v3_store(Value::object({{"chunk_key_encoding", unknown}})),
                           {"chunk_key_encoding 'mine'"});
      },
      kQuick);
}

/// A gzip stream of `size` zero bytes, deflated piecewise (never holding them all).
std::string gzip_of_zeros(std::uint64_t size) {
  z_stream zs{};
  deflateInit2(&zs, 1, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY);
  const std::string zeros(std::size_t{1} << 20, '\0');
  std::string out;
  char buf[1 << 16];
  for (std::uint64_t fed = 0; fed < size; fed += zeros.size()) {
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(zeros.data()));
    zs.avail_in = static_cast<uInt>(zeros.size());
    const int flush = fed + zeros.size() >= size ? Z_FINISH : Z_NO_FLUSH;
    do {
      zs.next_out = reinterpret_cast<Bytef*>(buf);
      zs.avail_out = sizeof buf;
      deflate(&zs, flush);
      out.append(buf, sizeof buf - zs.avail_out);
    } while (zs.avail_out == 0);
  }
  deflateEnd(&zs);
  return out;
}

TEST(CodecAdversarial, GzipChunkInflatingToOneGiBUnderAddressSpaceLimit) {
  const std::string bomb = gzip_of_zeros(kGiB);
  ASSERT_LT(bomb.size(), std::size_t{16} << 20);
  EXPECT_ISOLATED_PASS(
      [&] {
        const Value gzip = Value::object({{"id", "gzip"}, {"level", 5}});
        // "<f8": decoded straight into the output; ">f8": through the codec's own buffer.
        for (const char* dtype : {"<f8", ">f8"}) {
          const std::string url = v2_store(Value::object({{"shape", Value::array({1000})},
                                                          {"chunks", Value::array({1000})},
                                                          {"dtype", dtype},
                                                          {"compressor", gzip}}));
          StorageRegistry::open(url)->write("a/0", bomb);
          expect_codec_error(url, {"zarr array 'a', chunk 'a/0'", url, "gzip"});
        }
      },
      {.timeout = 60s, .address_space_bytes = 3 * kGiB / 2});
}

void put_u64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

/// A store with one sharded array "a" of 4 float64 in one shard of 2 inner chunks of 2,
/// the index (bytes + crc32c) at the end; the shard is `body` followed by an index of
/// `entries` (offset, nbytes pairs).
std::string sharded_store(const std::string& body, const std::vector<std::uint64_t>& entries) {
  const Value bytes =
      Value::object({{"name", "bytes"}, {"configuration", Value::object({{"endian", "little"}})}});
  const Value sharding = Value::object(
      {{"name", "sharding_indexed"},
       {"configuration",
        Value::object({{"chunk_shape", Value::array({2})},
                       {"codecs", Value::array({bytes})},
                       {"index_codecs", Value::array({bytes, Value::object({{"name", "crc32c"}})})},
                       {"index_location", "end"}})}});
  const std::string url = v3_store(Value::object({{"codecs", Value::array({sharding})}}));
  std::string index;
  for (std::uint64_t e : entries) put_u64(index, e);
  const std::uint32_t crc = zarr::crc32c(index);
  for (int i = 0; i < 4; ++i) index.push_back(static_cast<char>((crc >> (8 * i)) & 0xFF));
  StorageRegistry::open(url)->write("a/c/0", body + index);
  return url;
}

TEST(CodecAdversarial, TruncatedOrLyingShardIndex) {
  EXPECT_ISOLATED_PASS(
      [] {
        const std::string chunk(16, '\0');  // two float64 zeros
        // Sanity: an honest shard reads.
        EXPECT_NO_THROW(zarr::read(sharded_store(chunk + chunk, {0, 16, 16, 16})));
        // Shorter than its index.
        {
          const std::string url = sharded_store("", {});
          StorageRegistry::open(url)->write("a/c/0", "short");
          expect_codec_error(url, {"shard 'a/c/0'", "shorter than its index"});
        }
        // Entries reaching past the shard, overflowing offset + nbytes, or of zero bytes.
        expect_codec_error(sharded_store(chunk + chunk, {0, 16, 16, 4096}),
                           {"shard 'a/c/0'", "outside the shard"});
        expect_codec_error(sharded_store(chunk + chunk, {std::uint64_t{1} << 63, 16, 0, 16}),
                           {"outside the shard"});
        expect_codec_error(sharded_store(chunk + chunk, {16, ~std::uint64_t{0} - 8, 0, 16}),
                           {"outside the shard"});
        expect_codec_error(sharded_store(chunk + chunk, {0, 0, 16, 16}), {"zero bytes"});
        // A lying length within the shard: the inner chunk decodes to the wrong size.
        expect_codec_error(sharded_store(chunk + chunk, {0, 8, 16, 16}),
                           {"shard 'a/c/0', inner chunk 0", "bytes"});
        // A corrupt index (checksum).
        {
          const std::string url = sharded_store(chunk + chunk, {0, 16, 16, 16});
          auto storage = StorageRegistry::open(url);
          std::string shard = *storage->read("a/c/0");
          shard[shard.size() - 6] ^= 0x01;
          storage->write("a/c/0", shard);
          expect_codec_error(url, {"shard 'a/c/0'", "checksum"});
        }
      },
      kQuick);
}

/// Expects the basic codec to refuse `bytes` with a CodecError naming the backend.
void expect_msgpack_refused(const std::string& bytes) {
  try {
    CodecRegistry::get("basic").decode(bytes, Value::object());
    ADD_FAILURE() << "decoded a hostile msgpack document of " << bytes.size() << " bytes";
  } catch (const CodecError& e) {
    EXPECT_THAT(e.what(), HasSubstr("basic: "));
  }
}

TEST(CodecAdversarial, MsgpackBombWithHugeDeclaredLengths) {
  EXPECT_ISOLATED_PASS(
      [] {
        const std::string max32 = "\xff\xff\xff\xff";
        expect_msgpack_refused("\xdd" + max32);            // array32 of 2^32 - 1, no elements
        expect_msgpack_refused("\xdf" + max32 + "\xa1k");  // map32, one key
        expect_msgpack_refused("\xdb" + max32 + "abc");    // str32 of 2^32 - 1 bytes, 3 given
        expect_msgpack_refused("\xc6" + max32 + "abc");    // bin32
        expect_msgpack_refused("\xc9" + max32 +
                               "\x01"
                               "ab");  // ext32
        // Nested array32 headers each announcing 2^32 - 1 elements, deeper than the limit.
        std::string nested;
        for (int i = 0; i < 5000; ++i) nested += "\xdd" + max32;
        expect_msgpack_refused(nested);
        // Nested within the limit, a megabyte of headers: bounded reservations.
        std::string wide;
        for (int i = 0; i < 1000; ++i) wide += "\xdd" + max32;
        wide += std::string(1 << 20, '\xc0');
        expect_msgpack_refused(wide);
      },
      {.timeout = 30s, .address_space_bytes = 3 * kGiB / 2});
}

TEST(CodecAdversarial, DeeplyNestedJsonMetadata) {
  EXPECT_ISOLATED_PASS(
      [] {
        const std::string url = fresh_url("deep");
        auto storage = StorageRegistry::open(url);
        storage->write("zarr.json", R"({"zarr_format":3,"node_type":"group","attributes":)" +
                                        std::string(200000, '[') + std::string(200000, ']') + "}");
        try {
          zarr::read(url);
          ADD_FAILURE() << "no error";
        } catch (const CodecError& e) {
          EXPECT_THAT(e.what(), HasSubstr("nested deeper"));
        }
      },
      kQuick);
}

}  // namespace
}  // namespace nuthatch
