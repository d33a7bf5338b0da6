// zstd (libzstd): the default compressor. v3 {"name":"zstd","configuration":{"level":3,
// "checksum":false}}, numcodecs {"id":"zstd","level":3}.

#include <zstd.h>

#include "codecs/zarr/compressor.hpp"
#include "nuthatch/error.hpp"

namespace nuthatch::zarr {
namespace {

constexpr int kDefaultLevel = 3;

class ZstdCompressor final : public Compressor {
 public:
  ZstdCompressor(int level, bool checksum) : level_(level), checksum_(checksum) {}

  std::string encode(std::string_view raw) const override {
    std::string out(ZSTD_compressBound(raw.size()), '\0');
    ZSTD_CCtx* ctx = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(ctx, ZSTD_c_compressionLevel, level_);
    ZSTD_CCtx_setParameter(ctx, ZSTD_c_checksumFlag, checksum_ ? 1 : 0);
    std::size_t n = ZSTD_compress2(ctx, out.data(), out.size(), raw.data(), raw.size());
    ZSTD_freeCCtx(ctx);
    if (ZSTD_isError(n)) throw CodecError(std::string("zstd: ") + ZSTD_getErrorName(n));
    out.resize(n);
    return out;
  }

  std::string decode(std::string_view packed, std::size_t expected_size) const override {
    unsigned long long size = ZSTD_getFrameContentSize(packed.data(), packed.size());
    if (size == ZSTD_CONTENTSIZE_ERROR) throw CodecError("zstd: not a zstd frame");
    if (size == ZSTD_CONTENTSIZE_UNKNOWN) size = expected_size;
    std::string out(size, '\0');
    std::size_t n = ZSTD_decompress(out.data(), out.size(), packed.data(), packed.size());
    if (ZSTD_isError(n)) throw CodecError(std::string("zstd: ") + ZSTD_getErrorName(n));
    out.resize(n);
    return out;
  }

  Value v3_metadata() const override {
    return Value::object({{"name", "zstd"},
                          {"configuration",
                           Value::object({{"level", level_}, {"checksum", checksum_}})}});
  }
  Value v2_metadata() const override {
    return Value::object({{"id", "zstd"}, {"level", level_}});
  }

 private:
  int level_;
  bool checksum_;
};

const CompressorRegistrar kZstd("zstd", [](const Value& params, std::size_t) -> CompressorPtr {
  const Value* checksum = params.find("checksum");
  return std::make_shared<ZstdCompressor>(
      static_cast<int>(int_param(params, "level", kDefaultLevel)),
      checksum != nullptr && checksum->is_bool() && checksum->as<bool>());
});

}  // namespace
}  // namespace nuthatch::zarr
