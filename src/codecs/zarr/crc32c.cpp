// CRC32C and the Zarr v3 `crc32c` codec (a 4-byte little-endian checksum appended to the
// chunk). Implemented here, table-driven (slice-by-one), because no CRC32C library is
// packaged for Debian 12 (DESIGN §1).

#include "codecs/zarr/crc32c.hpp"

#include <array>

#include "codecs/zarr/compressor.hpp"
#include "nuthatch/error.hpp"

namespace nuthatch::zarr {
namespace {

constexpr std::uint32_t kPolynomial = 0x82F63B78u;  // Castagnoli, reflected
constexpr std::size_t kChecksumBytes = 4;

constexpr std::array<std::uint32_t, 256> make_table() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int bit = 0; bit < 8; ++bit) c = (c & 1u) ? (c >> 1) ^ kPolynomial : c >> 1;
    table[i] = c;
  }
  return table;
}

constexpr auto kTable = make_table();

class Crc32cCodec final : public Compressor {
 public:
  std::string encode(std::string_view raw) const override {
    std::uint32_t crc = crc32c(raw);
    std::string out(raw);
    for (std::size_t i = 0; i < kChecksumBytes; ++i) {
      out.push_back(static_cast<char>((crc >> (8 * i)) & 0xFFu));
    }
    return out;
  }

  std::string decode(std::string_view packed, std::size_t) const override {
    if (packed.size() < kChecksumBytes) throw CodecError("crc32c: chunk shorter than checksum");
    std::string_view body = packed.substr(0, packed.size() - kChecksumBytes);
    std::uint32_t stored = 0;
    for (std::size_t i = 0; i < kChecksumBytes; ++i) {
      stored |= static_cast<std::uint32_t>(
                    static_cast<unsigned char>(packed[body.size() + i])) << (8 * i);
    }
    if (stored != crc32c(body)) throw CodecError("crc32c: checksum mismatch");
    return std::string(body);
  }

  Value v3_metadata() const override { return Value::object({{"name", "crc32c"}}); }
  Value v2_metadata() const override { return Value::object({{"id", "crc32c"}}); }
};

const CompressorRegistrar kCrc32c("crc32c", [](const Value&, std::size_t) -> CompressorPtr {
  return std::make_shared<Crc32cCodec>();
});

}  // namespace

std::uint32_t crc32c(std::string_view data) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char byte : data) crc = kTable[(crc ^ byte) & 0xFFu] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}

}  // namespace nuthatch::zarr
