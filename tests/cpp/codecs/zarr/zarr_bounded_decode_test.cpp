// Decompression is bounded by the size the chunk must have: zstd (declared and unknown
// content size), blosc (lz4 and zstd inside) and gzip refuse data that decodes to more,
// through decode() and decode_into(), with a CodecError; vlen-utf8 refuses lengths and
// counts its bytes cannot hold; codec parameters outside their range are refused.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zstd.h>

#include <string>
#include <vector>

#include "codecs/zarr/chunk_codec.hpp"
#include "codecs/zarr/compressor.hpp"
#include "nuthatch/error.hpp"

namespace nuthatch::zarr {
namespace {

constexpr std::size_t kBig = std::size_t{8} << 20;
constexpr std::size_t kSmall = 1000;

std::vector<CompressorPtr> compressors() {
  return {make_compressor("zstd", Value::object(), 8), make_compressor("gzip", Value::object(), 8),
          make_compressor("blosc", Value::object({{"cname", "lz4"}}), 8),
          make_compressor("blosc", Value::object({{"cname", "zstd"}}), 8)};
}

/// Expects `packed` to be refused when at most kSmall bytes may come out of it.
void expect_bounded(const Compressor& c, const std::string& packed, const std::string& what) {
  EXPECT_THROW(c.decode(packed, kSmall), CodecError) << what;
  std::string out(kSmall, '\0');
  try {
    EXPECT_NE(c.decode_into(packed, out), kSmall) << what;
  } catch (const CodecError&) {
  }
}

TEST(ZarrBoundedDecode, EveryCompressorRefusesOutputBeyondTheChunk) {
  const std::string zeros(kBig, '\0');
  for (const CompressorPtr& c : compressors()) {
    const std::string what = c->v3_metadata().to_string();
    const std::string packed = c->encode(zeros);
    expect_bounded(*c, packed, what);
    // The honest bound decodes.
    EXPECT_EQ(c->decode(packed, kBig), zeros) << what;
    std::string out(kBig, 'x');
    EXPECT_EQ(c->decode_into(packed, out), kBig) << what;
    EXPECT_EQ(out, zeros) << what;
    // One byte short is refused too.
    EXPECT_THROW(c->decode(packed, kBig - 1), CodecError) << what;
    // Truncated and garbage input.
    EXPECT_THROW(c->decode(packed.substr(0, packed.size() / 2), kBig), CodecError) << what;
    EXPECT_THROW(c->decode(std::string(64, '\x5a'), kBig), CodecError) << what;
    EXPECT_THROW(c->decode("", kBig), CodecError) << what;
  }
}

TEST(ZarrBoundedDecode, ZstdFrameOfUnknownSizeIsBoundedWhileStreaming) {
  const std::string zeros(kBig, '\0');
  ZSTD_CCtx* ctx = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(ctx, ZSTD_c_contentSizeFlag, 0);  // the frame does not say its size
  std::string packed(ZSTD_compressBound(zeros.size()), '\0');
  ZSTD_inBuffer in{zeros.data(), zeros.size(), 0};
  ZSTD_outBuffer out{packed.data(), packed.size(), 0};
  ASSERT_EQ(ZSTD_compressStream2(ctx, &out, &in, ZSTD_e_end), 0u);
  ZSTD_freeCCtx(ctx);
  packed.resize(out.pos);
  ASSERT_EQ(ZSTD_getFrameContentSize(packed.data(), packed.size()), ZSTD_CONTENTSIZE_UNKNOWN);
  const CompressorPtr zstd = make_compressor("zstd", Value::object(), 8);
  expect_bounded(*zstd, packed, "zstd streaming");
  EXPECT_EQ(zstd->decode(packed, kBig), zeros);
}

TEST(ZarrBoundedDecode, VlenUtf8RefusesLyingCountsAndLengths) {
  const std::string good = vlen_utf8_encode({"ab", "c"});
  EXPECT_EQ(vlen_utf8_decode(good, 2), (std::vector<std::string>{"ab", "c"}));
  EXPECT_THROW(vlen_utf8_decode(good, 3), CodecError);
  EXPECT_THROW(vlen_utf8_decode(good.substr(0, 3), 2), CodecError);
  EXPECT_THROW(vlen_utf8_decode(good.substr(0, good.size() - 1), 2), CodecError);
  // A count of 2^32 - 1 items in a handful of bytes, expected as such: refused before
  // anything is reserved for them.
  const std::string lying_count = std::string("\xff\xff\xff\xff", 4) + "abcd";
  EXPECT_THROW(vlen_utf8_decode(lying_count, 0xffffffffu), CodecError);
  // An item length past the end.
  std::string lying_length = std::string("\x01\0\0\0", 4) + std::string("\xff\xff\xff\x7f", 4);
  EXPECT_THROW(vlen_utf8_decode(lying_length, 1), CodecError);
}

TEST(ZarrBoundedDecode, CodecParametersOutsideTheirRangeAreRefused) {
  EXPECT_THROW(make_compressor("gzip", Value::object({{"level", 1e300}}), 8), CodecError);
  EXPECT_THROW(make_compressor("gzip", Value::object({{"level", 99}}), 8), CodecError);
  EXPECT_THROW(make_compressor("zstd", Value::object({{"level", "high"}}), 8), CodecError);
  EXPECT_THROW(make_compressor("blosc", Value::object({{"typesize", -1}}), 8), CodecError);
  EXPECT_THROW(make_compressor("blosc", Value::object({{"shuffle", 7}}), 8), CodecError);
  EXPECT_THROW(make_compressor("blosc", Value::object({{"shuffle", Value::array()}}), 8),
               CodecError);
  EXPECT_THROW(make_compressor("blosc", Value::object({{"blocksize", -5}}), 8), CodecError);
  EXPECT_NO_THROW(make_compressor("blosc", Value::object({{"shuffle", -1}}), 8));
  EXPECT_NO_THROW(make_compressor("zstd", Value::object({{"level", 3.0}}), 8));
}

}  // namespace
}  // namespace nuthatch::zarr
