// gzip (zlib, gzip container as numcodecs writes it). v3 {"name":"gzip",
// "configuration":{"level":5}}, numcodecs {"id":"gzip","level":5}.

#include <zlib.h>

#include "codecs/zarr/compressor.hpp"
#include "nuthatch/error.hpp"

namespace nuthatch::zarr {
namespace {

constexpr int kDefaultLevel = 5;
constexpr int kGzipWindowBits = 15 + 16;    // gzip header and trailer
constexpr int kDetectWindowBits = 15 + 32;  // accept gzip or zlib on read
constexpr std::size_t kMinOutput = 64;

class GzipCompressor final : public Compressor {
 public:
  explicit GzipCompressor(int level) : level_(level) {}

  std::string encode(std::string_view raw) const override {
    z_stream zs{};
    if (deflateInit2(&zs, level_, Z_DEFLATED, kGzipWindowBits, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
      throw CodecError("gzip: cannot initialise deflate");
    }
    std::string out(deflateBound(&zs, raw.size()) + kMinOutput, '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(raw.data()));
    zs.avail_in = static_cast<uInt>(raw.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    int rc = deflate(&zs, Z_FINISH);
    deflateEnd(&zs);
    if (rc != Z_STREAM_END) throw CodecError("gzip: deflate failed");
    out.resize(zs.total_out);
    return out;
  }

  std::string decode(std::string_view packed, std::size_t expected_size) const override {
    z_stream zs{};
    if (inflateInit2(&zs, kDetectWindowBits) != Z_OK) {
      throw CodecError("gzip: cannot initialise inflate");
    }
    std::string out(std::max(expected_size, kMinOutput), '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(packed.data()));
    zs.avail_in = static_cast<uInt>(packed.size());
    int rc = Z_OK;
    while (rc == Z_OK) {
      if (zs.total_out == out.size()) out.resize(out.size() * 2);
      zs.next_out = reinterpret_cast<Bytef*>(out.data() + zs.total_out);
      zs.avail_out = static_cast<uInt>(out.size() - zs.total_out);
      rc = inflate(&zs, Z_NO_FLUSH);
      if (rc == Z_BUF_ERROR && zs.avail_out == 0) rc = Z_OK;  // output full: grow
    }
    std::size_t n = zs.total_out;
    inflateEnd(&zs);
    if (rc != Z_STREAM_END) throw CodecError("gzip: corrupt or truncated stream");
    out.resize(n);
    return out;
  }

  Value v3_metadata() const override {
    return Value::object({{"name", "gzip"}, {"configuration", Value::object({{"level", level_}})}});
  }
  Value v2_metadata() const override { return Value::object({{"id", "gzip"}, {"level", level_}}); }

 private:
  int level_;
};

const CompressorRegistrar kGzip("gzip", [](const Value& params, std::size_t) -> CompressorPtr {
  return std::make_shared<GzipCompressor>(
      static_cast<int>(int_param(params, "level", kDefaultLevel)));
});

}  // namespace
}  // namespace nuthatch::zarr
