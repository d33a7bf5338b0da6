// gzip (zlib, gzip container as numcodecs writes it). v3 {"name":"gzip",
// "configuration":{"level":5}}, numcodecs {"id":"gzip","level":5}.

#include <zlib.h>

#include <algorithm>
#include <limits>
#include <span>

#include "codecs/zarr/compressor.hpp"
#include "nuthatch/error.hpp"

namespace nuthatch::zarr {
namespace {

constexpr int kDefaultLevel = 5;
constexpr int kMinLevel = -1;  // zlib's default
constexpr int kMaxLevel = 9;
constexpr int kGzipWindowBits = 15 + 16;    // gzip header and trailer
constexpr int kDetectWindowBits = 15 + 32;  // accept gzip or zlib on read
constexpr std::size_t kMinOutput = 64;

/// Guess of the inflated size from the stored size, for decode()'s first buffer.
constexpr std::size_t kGuessRatio = 4;

[[noreturn]] void too_large(std::size_t max_size) {
  throw CodecError("gzip: stream inflates to more than the " + std::to_string(max_size) +
                   " bytes the chunk may hold");
}

/// One inflate stream over `packed`, fed into caller-given output windows.
class Inflater {
 public:
  explicit Inflater(std::string_view packed) {
    if (packed.size() > std::numeric_limits<uInt>::max()) {
      throw CodecError("gzip: stored chunk of " + std::to_string(packed.size()) +
                       " bytes is too large");
    }
    if (inflateInit2(&zs_, kDetectWindowBits) != Z_OK) {
      throw CodecError("gzip: cannot initialise inflate");
    }
    zs_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(packed.data()));
    zs_.avail_in = static_cast<uInt>(packed.size());
  }
  ~Inflater() { inflateEnd(&zs_); }
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;

  /// Inflates into out[0, size) (at most uInt's range at a time) until the stream ends,
  /// the window is full or no progress is possible; adds what it wrote to `produced`.
  /// Returns Z_STREAM_END or Z_OK / Z_BUF_ERROR; throws CodecError on corrupt data.
  int run(char* out, std::size_t size, std::size_t& produced) {
    std::size_t done = 0;
    int rc = Z_OK;
    while (done < size) {
      const std::size_t window =
          std::min<std::size_t>(size - done, std::numeric_limits<uInt>::max());
      zs_.next_out = reinterpret_cast<Bytef*>(out + done);
      zs_.avail_out = static_cast<uInt>(window);
      rc = inflate(&zs_, Z_NO_FLUSH);
      const std::size_t wrote = window - zs_.avail_out;
      done += wrote;
      if (rc == Z_STREAM_END) break;
      if (rc == Z_NEED_DICT || rc == Z_DATA_ERROR || rc == Z_MEM_ERROR || rc == Z_STREAM_ERROR) {
        produced += done;
        throw CodecError("gzip: corrupt stream" +
                         std::string(zs_.msg ? std::string(" (") + zs_.msg + ")" : ""));
      }
      if (wrote == 0 && zs_.avail_out != 0) break;  // input exhausted
    }
    produced += done;
    return rc;
  }

  [[noreturn]] void fail_truncated() const { throw CodecError("gzip: truncated stream"); }

 private:
  z_stream zs_{};
};

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

  std::string decode(std::string_view packed, std::size_t max_size) const override {
    // Grow by doubling from a guess, never past max_size + 1: reaching that proves the
    // stream inflates to more than allowed.
    const std::size_t cap = max_size + 1;
    std::string out(std::min(cap, std::max(kMinOutput, packed.size() * kGuessRatio)), '\0');
    Inflater in(packed);
    std::size_t produced = 0;
    for (;;) {
      const int rc = in.run(out.data() + produced, out.size() - produced, produced);
      if (rc == Z_STREAM_END) break;
      if (produced < out.size()) in.fail_truncated();
      if (out.size() == cap) too_large(max_size);
      out.resize(std::min(cap, out.size() * 2));
    }
    if (produced > max_size) too_large(max_size);
    out.resize(produced);
    return out;
  }

  std::size_t decode_into(std::string_view packed, std::span<char> out) const override {
    Inflater in(packed);
    std::size_t produced = 0;
    if (in.run(out.data(), out.size(), produced) == Z_STREAM_END) return produced;
    if (produced < out.size()) in.fail_truncated();
    // The output is full and the stream goes on: one more byte says it is too long.
    char extra = 0;
    std::size_t more = 0;
    const int rc = in.run(&extra, 1, more);
    if (more == 0 && rc != Z_STREAM_END) in.fail_truncated();
    return out.size() + more;
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
      static_cast<int>(int_param(params, "level", kDefaultLevel, kMinLevel, kMaxLevel)));
});

}  // namespace
}  // namespace nuthatch::zarr
