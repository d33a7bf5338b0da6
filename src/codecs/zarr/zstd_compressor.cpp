// zstd (libzstd): the default compressor. v3 {"name":"zstd","configuration":{"level":3,
// "checksum":false}}, numcodecs {"id":"zstd","level":3}.
//
// Each thread keeps one compression and one decompression context for its lifetime:
// creating a context allocates (and the kernel zero-fills) several MiB of tables, which
// cost as much as compressing a small chunk. A context is used by one call at a time
// (thread_local), and its parameters are reset before each use.

#include <zstd.h>
#include <zstd_errors.h>

#include <algorithm>
#include <limits>
#include <memory>
#include <optional>

#include "codecs/zarr/compressor.hpp"
#include "nuthatch/error.hpp"

namespace nuthatch::zarr {
namespace {

constexpr int kDefaultLevel = 3;

struct CCtxFree {
  void operator()(ZSTD_CCtx* ctx) const { ZSTD_freeCCtx(ctx); }
};
struct DCtxFree {
  void operator()(ZSTD_DCtx* ctx) const { ZSTD_freeDCtx(ctx); }
};

[[noreturn]] void zstd_error(std::size_t code) {
  throw CodecError(std::string("zstd: ") + ZSTD_getErrorName(code));
}

ZSTD_CCtx* thread_cctx() {
  thread_local std::unique_ptr<ZSTD_CCtx, CCtxFree> ctx(ZSTD_createCCtx());
  if (!ctx) throw CodecError("zstd: cannot create a compression context");
  return ctx.get();
}

ZSTD_DCtx* thread_dctx() {
  thread_local std::unique_ptr<ZSTD_DCtx, DCtxFree> ctx(ZSTD_createDCtx());
  if (!ctx) throw CodecError("zstd: cannot create a decompression context");
  return ctx.get();
}

/// The decoded size a frame declares; std::nullopt when the frame does not say.
std::optional<std::size_t> content_size(std::string_view packed) {
  const unsigned long long size = ZSTD_getFrameContentSize(packed.data(), packed.size());
  if (size == ZSTD_CONTENTSIZE_ERROR) throw CodecError("zstd: not a zstd frame");
  if (size == ZSTD_CONTENTSIZE_UNKNOWN) return std::nullopt;
  if (size > std::numeric_limits<std::size_t>::max()) throw CodecError("zstd: frame too large");
  return static_cast<std::size_t>(size);
}

[[noreturn]] void too_large(std::size_t max_size) {
  throw CodecError("zstd: frame decodes to more than the " + std::to_string(max_size) +
                   " bytes the chunk may hold");
}

/// Decodes frames of unknown size by streaming into a buffer that doubles up to
/// max_size + 1 bytes: reaching that proves the data decodes to more than allowed.
std::string decode_streaming(std::string_view packed, std::size_t max_size) {
  constexpr std::size_t kFirstBuffer = std::size_t{1} << 16;
  ZSTD_DCtx* ctx = thread_dctx();
  ZSTD_DCtx_reset(ctx, ZSTD_reset_session_and_parameters);
  const std::size_t cap = max_size + 1;
  std::string out(std::min(cap, kFirstBuffer), '\0');
  ZSTD_inBuffer in{packed.data(), packed.size(), 0};
  ZSTD_outBuffer dst{out.data(), out.size(), 0};
  for (;;) {
    const std::size_t in_before = in.pos, out_before = dst.pos;
    const std::size_t rc = ZSTD_decompressStream(ctx, &dst, &in);
    if (ZSTD_isError(rc)) zstd_error(rc);
    if (rc == 0 && in.pos == in.size) break;  // every frame complete, input consumed
    if (dst.pos < dst.size) {
      if (in.pos == in.size || (in.pos == in_before && dst.pos == out_before)) {
        throw CodecError("zstd: truncated frame");
      }
      continue;
    }
    if (out.size() == cap) too_large(max_size);
    out.resize(std::min(cap, out.size() * 2));
    dst.dst = out.data();
    dst.size = out.size();
  }
  if (dst.pos > max_size) too_large(max_size);
  out.resize(dst.pos);
  return out;
}

class ZstdCompressor final : public Compressor {
 public:
  ZstdCompressor(int level, bool checksum) : level_(level), checksum_(checksum) {}

  std::string encode(std::string_view raw) const override {
    std::string out;
    out.resize(encode_into(raw, out));
    return out;
  }

  std::size_t encode_into(std::string_view raw, std::string& out) const override {
    ZSTD_CCtx* ctx = thread_cctx();
    ZSTD_CCtx_reset(ctx, ZSTD_reset_session_and_parameters);
    ZSTD_CCtx_setParameter(ctx, ZSTD_c_compressionLevel, level_);
    ZSTD_CCtx_setParameter(ctx, ZSTD_c_checksumFlag, checksum_ ? 1 : 0);
    const std::size_t bound = ZSTD_compressBound(raw.size());
    if (out.size() < bound) out.resize(bound);
    const std::size_t n = ZSTD_compress2(ctx, out.data(), out.size(), raw.data(), raw.size());
    if (ZSTD_isError(n)) zstd_error(n);
    return n;
  }

  std::string decode(std::string_view packed, std::size_t max_size) const override {
    const std::optional<std::size_t> declared = content_size(packed);
    if (!declared) return decode_streaming(packed, max_size);
    if (*declared > max_size) too_large(max_size);
    std::string out(*declared, '\0');
    const std::size_t n =
        ZSTD_decompressDCtx(thread_dctx(), out.data(), out.size(), packed.data(), packed.size());
    if (ZSTD_isError(n)) zstd_error(n);
    out.resize(n);
    return out;
  }

  std::size_t decode_into(std::string_view packed, std::span<char> out) const override {
    const std::optional<std::size_t> declared = content_size(packed);
    if (declared && *declared != out.size()) return *declared;
    const std::size_t n =
        ZSTD_decompressDCtx(thread_dctx(), out.data(), out.size(), packed.data(), packed.size());
    if (ZSTD_isError(n)) {
      if (ZSTD_getErrorCode(n) == ZSTD_error_dstSize_tooSmall) return out.size() + 1;
      zstd_error(n);
    }
    return n;
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
      static_cast<int>(
          int_param(params, "level", kDefaultLevel, ZSTD_minCLevel(), ZSTD_maxCLevel())),
      checksum != nullptr && checksum->is_bool() && checksum->as<bool>());
});

}  // namespace
}  // namespace nuthatch::zarr
