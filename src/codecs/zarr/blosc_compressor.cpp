// blosc (libblosc 1, the format numcodecs and zarr-python write), with lz4 or zstd inside.
// v3 {"name":"blosc","configuration":{"cname":"lz4","clevel":5,"shuffle":"shuffle",
// "typesize":4,"blocksize":0}}, numcodecs {"id":"blosc","cname":"lz4","clevel":5,
// "shuffle":1,"blocksize":0}. The contextual blosc API is used: it is thread-safe.

#include <blosc.h>

#include <limits>
#include <span>

#include "codecs/zarr/compressor.hpp"
#include "nuthatch/error.hpp"

namespace nuthatch::zarr {
namespace {

constexpr int kDefaultLevel = 5;
constexpr int kMaxLevel = 9;
constexpr std::int64_t kAutoShuffle = -1;   // numcodecs' AUTOSHUFFLE: byte shuffle
constexpr std::int64_t kMaxTypesize = 255;  // blosc stores it in one byte
constexpr const char* kDefaultInner = "lz4";

int shuffle_from(const Value& v) {
  if (v.is_null()) return BLOSC_SHUFFLE;
  if (v.is_int()) {
    const std::int64_t n = v.as<std::int64_t>();
    if (n == kAutoShuffle) return BLOSC_SHUFFLE;
    if (n != BLOSC_NOSHUFFLE && n != BLOSC_SHUFFLE && n != BLOSC_BITSHUFFLE) {
      throw CodecError("blosc: unknown shuffle " + std::to_string(n));
    }
    return static_cast<int>(n);
  }
  if (!v.is_string()) throw CodecError("blosc: shuffle " + v.to_string() + " is not a name");
  const std::string& s = v.string_ref();
  if (s == "noshuffle") return BLOSC_NOSHUFFLE;
  if (s == "shuffle") return BLOSC_SHUFFLE;
  if (s == "bitshuffle") return BLOSC_BITSHUFFLE;
  throw CodecError("blosc: unknown shuffle '" + s + "'");
}

std::string_view shuffle_name(int shuffle) {
  if (shuffle == BLOSC_NOSHUFFLE) return "noshuffle";
  if (shuffle == BLOSC_BITSHUFFLE) return "bitshuffle";
  return "shuffle";
}

/// The decoded size of the blosc frame `packed` after checking its header against the
/// frame's length (blosc_cbuffer_validate) and `max_size`. Throws CodecError.
std::size_t validated_size(std::string_view packed, std::size_t max_size) {
  if (packed.size() < BLOSC_MIN_HEADER_LENGTH) throw CodecError("blosc: truncated header");
  std::size_t nbytes = 0, cbytes = 0, blocksize = 0;
  blosc_cbuffer_sizes(packed.data(), &nbytes, &cbytes, &blocksize);
  if (cbytes != packed.size()) {
    throw CodecError("blosc: frame says " + std::to_string(cbytes) + " bytes, got " +
                     std::to_string(packed.size()));
  }
  if (blosc_cbuffer_validate(packed.data(), packed.size(), &nbytes) != 0) {
    throw CodecError("blosc: invalid frame header");
  }
  if (nbytes > max_size) {
    throw CodecError("blosc: frame decodes to " + std::to_string(nbytes) +
                     " bytes, more than the " + std::to_string(max_size) + " the chunk may hold");
  }
  return nbytes;
}

/// Decompresses `packed` into `out` (exactly its decoded size). Throws CodecError.
void decompress(std::string_view packed, std::span<char> out) {
  const int n = blosc_decompress_ctx(packed.data(), out.data(), out.size(), 1);
  if (n < 0 || static_cast<std::size_t>(n) != out.size()) throw CodecError("blosc: corrupt frame");
}

class BloscCompressor final : public Compressor {
 public:
  BloscCompressor(std::string cname, int clevel, int shuffle, std::size_t typesize,
                  std::size_t blocksize)
      : cname_(std::move(cname)), clevel_(clevel), shuffle_(shuffle),
        typesize_(typesize == 0 ? 1 : typesize), blocksize_(blocksize) {}

  std::string encode(std::string_view raw) const override {
    std::string out(raw.size() + BLOSC_MAX_OVERHEAD, '\0');
    int n = blosc_compress_ctx(clevel_, shuffle_, typesize_, raw.size(), raw.data(), out.data(),
                               out.size(), cname_.c_str(), blocksize_, 1);
    if (n <= 0) throw CodecError("blosc: compression with '" + cname_ + "' failed");
    out.resize(static_cast<std::size_t>(n));
    return out;
  }

  std::string decode(std::string_view packed, std::size_t max_size) const override {
    std::string out(validated_size(packed, max_size), '\0');
    if (!out.empty()) decompress(packed, out);
    return out;
  }

  std::size_t decode_into(std::string_view packed, std::span<char> out) const override {
    const std::size_t nbytes = validated_size(packed, std::numeric_limits<std::size_t>::max());
    if (nbytes != out.size()) return nbytes;
    if (nbytes != 0) decompress(packed, out);
    return nbytes;
  }

  Value v3_metadata() const override {
    return Value::object(
        {{"name", "blosc"},
         {"configuration", Value::object({{"cname", cname_},
                                          {"clevel", clevel_},
                                          {"shuffle", shuffle_name(shuffle_)},
                                          {"typesize", typesize_},
                                          {"blocksize", blocksize_}})}});
  }
  Value v2_metadata() const override {
    return Value::object({{"id", "blosc"},
                          {"cname", cname_},
                          {"clevel", clevel_},
                          {"shuffle", shuffle_},
                          {"blocksize", blocksize_}});
  }

 private:
  std::string cname_;
  int clevel_;
  int shuffle_;
  std::size_t typesize_;
  std::size_t blocksize_;
};

CompressorPtr make_blosc(const Value& params, std::size_t element_size) {
  const Value* cname = params.find("cname");
  std::string inner = cname != nullptr && cname->is_string() ? cname->string_ref() : kDefaultInner;
  if (inner != "lz4" && inner != "zstd" && inner != "lz4hc" && inner != "blosclz" &&
      inner != "zlib") {
    throw CodecError("blosc: unsupported inner compressor '" + inner + "'");
  }
  const Value* shuffle = params.find("shuffle");
  std::int64_t level = int_param(
      params, "clevel", int_param(params, "level", kDefaultLevel, 0, kMaxLevel), 0, kMaxLevel);
  auto typesize = static_cast<std::size_t>(int_param(params, "typesize", 0, 0, kMaxTypesize));
  return std::make_shared<BloscCompressor>(
      inner, static_cast<int>(level), shuffle_from(shuffle ? *shuffle : Value()),
      typesize == 0 ? element_size : typesize,
      static_cast<std::size_t>(int_param(params, "blocksize", 0, 0, INT32_MAX)));
}

const CompressorRegistrar kBlosc("blosc", make_blosc);

}  // namespace
}  // namespace nuthatch::zarr
