// Chunk encoding. Stored byte order is little-endian (we only write little-endian; a
// big-endian `bytes` codec or v2 '>' dtype is swapped on read). The host is assumed
// little-endian (checked at compile time).

#include "codecs/zarr/chunk_codec.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

#include "codecs/zarr/limits.hpp"
#include "nuthatch/error.hpp"

namespace nuthatch::zarr {
namespace {

static_assert(std::endian::native == std::endian::little, "nuthatch assumes a little-endian host");

constexpr std::size_t kLengthBytes = 4;

void put_u32(std::string& out, std::uint32_t v) {
  for (std::size_t i = 0; i < kLengthBytes; ++i) {
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  }
}

std::uint32_t get_u32(std::string_view data, std::size_t at) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < kLengthBytes; ++i) {
    v |= static_cast<std::uint32_t>(static_cast<unsigned char>(data[at + i])) << (8 * i);
  }
  return v;
}

void byte_swap(std::string& bytes, std::size_t item) {
  if (item <= 1) return;
  for (std::size_t at = 0; at + item <= bytes.size(); at += item) {
    std::reverse(bytes.begin() + static_cast<std::ptrdiff_t>(at),
                 bytes.begin() + static_cast<std::ptrdiff_t>(at + item));
  }
}

/// For each stored (transposed) element in C order, its logical offset in the chunk.
std::vector<std::int64_t> transpose_map(const Index& chunks, const Index& order) {
  const std::size_t rank = chunks.size();
  Index stored_shape(rank), logical_stride(rank, 1);
  for (std::size_t i = rank; i-- > 1;) logical_stride[i - 1] = logical_stride[i] * chunks[i];
  for (std::size_t i = 0; i < rank; ++i) {
    stored_shape[i] = chunks[static_cast<std::size_t>(order[i])];
  }
  std::int64_t n = 1;
  for (auto c : chunks) n *= c;
  std::vector<std::int64_t> map(static_cast<std::size_t>(n));
  Index pos(rank, 0);
  for (std::int64_t s = 0; s < n; ++s) {
    std::int64_t logical = 0;
    for (std::size_t i = 0; i < rank; ++i) {
      logical += pos[i] * logical_stride[static_cast<std::size_t>(order[i])];
    }
    map[static_cast<std::size_t>(s)] = logical;
    for (std::size_t i = rank; i-- > 0;) {
      if (++pos[i] < stored_shape[i]) break;
      pos[i] = 0;
    }
  }
  return map;
}

void check_order(const ArrayMeta& meta) {
  Index sorted = meta.transpose;
  std::sort(sorted.begin(), sorted.end());
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    if (sorted[i] != static_cast<std::int64_t>(i) || sorted.size() != meta.chunks.size()) {
      throw CodecError("transpose order is not a permutation of the dimensions");
    }
  }
}

void untranspose(const ArrayMeta& meta, ChunkData& chunk) {
  check_order(meta);
  auto map = transpose_map(meta.chunks, meta.transpose);
  if (meta.dtype == DType::string) {
    std::vector<std::string> out(chunk.strings.size());
    for (std::size_t s = 0; s < map.size(); ++s) {
      out[static_cast<std::size_t>(map[s])] = std::move(chunk.strings[s]);
    }
    chunk.strings = std::move(out);
    return;
  }
  std::string out(chunk.bytes.size(), '\0');
  const std::size_t item = meta.item_size;
  for (std::size_t s = 0; s < map.size(); ++s) {
    std::memcpy(out.data() + static_cast<std::size_t>(map[s]) * item,
                chunk.bytes.data() + s * item, item);
  }
  chunk.bytes = std::move(out);
}

/// UTF-32LE fixed-width strings (numpy "<U n") to UTF-8, trailing NULs dropped.
std::vector<std::string> utf32_items(std::string_view data, std::size_t item_size) {
  std::vector<std::string> out;
  for (std::size_t at = 0; at + item_size <= data.size(); at += item_size) {
    std::string s;
    for (std::size_t i = 0; i < item_size; i += 4) {
      std::uint32_t c = get_u32(data, at + i);
      if (c == 0) break;
      if (c < 0x80) {
        s.push_back(static_cast<char>(c));
      } else if (c < 0x800) {
        s.push_back(static_cast<char>(0xC0 | (c >> 6)));
        s.push_back(static_cast<char>(0x80 | (c & 0x3F)));
      } else if (c < 0x10000) {
        s.push_back(static_cast<char>(0xE0 | (c >> 12)));
        s.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
        s.push_back(static_cast<char>(0x80 | (c & 0x3F)));
      } else {
        s.push_back(static_cast<char>(0xF0 | (c >> 18)));
        s.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
        s.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
        s.push_back(static_cast<char>(0x80 | (c & 0x3F)));
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace

std::string vlen_utf8_encode(const std::vector<std::string>& items) {
  std::size_t total = kLengthBytes;
  for (const auto& s : items) total += kLengthBytes + s.size();
  std::string out;
  out.reserve(total);
  put_u32(out, static_cast<std::uint32_t>(items.size()));
  for (const auto& s : items) {
    put_u32(out, static_cast<std::uint32_t>(s.size()));
    out += s;
  }
  return out;
}

std::vector<std::string> vlen_utf8_decode(std::string_view data, std::size_t expected_items) {
  if (data.size() < kLengthBytes) throw CodecError("vlen-utf8: truncated header");
  std::size_t n = get_u32(data, 0);
  if (n != expected_items) {
    throw CodecError("vlen-utf8: chunk holds " + std::to_string(n) + " items, expected " +
                     std::to_string(expected_items));
  }
  // Each item takes at least its length field: a count the bytes cannot hold is a lie.
  if ((data.size() - kLengthBytes) / kLengthBytes < n) {
    throw CodecError("vlen-utf8: " + std::to_string(data.size()) + " bytes cannot hold " +
                     std::to_string(n) + " items");
  }
  std::vector<std::string> out;
  out.reserve(n);
  std::size_t at = kLengthBytes;
  for (std::size_t i = 0; i < n; ++i) {
    if (at + kLengthBytes > data.size()) throw CodecError("vlen-utf8: truncated item length");
    std::size_t len = get_u32(data, at);
    at += kLengthBytes;
    if (at + len > data.size()) throw CodecError("vlen-utf8: truncated item");
    out.emplace_back(data.substr(at, len));
    at += len;
  }
  return out;
}

void fill_elements(const ArrayMeta& meta, char* out, std::size_t count) {
  const std::size_t item = meta.item_size;
  if (std::all_of(meta.fill.begin(), meta.fill.end(), [](char b) { return b == 0; })) {
    std::memset(out, 0, count * item);
    return;
  }
  for (std::size_t i = 0; i < count; ++i) std::memcpy(out + i * item, meta.fill.data(), item);
}

ChunkData fill_chunk(const ArrayMeta& meta) {
  ChunkData c;
  const auto n = static_cast<std::size_t>(meta.chunk_elements());
  if (meta.dtype == DType::string) {
    c.strings.assign(n, meta.fill);
    return c;
  }
  c.bytes.resize(n * meta.item_size);
  fill_elements(meta, c.bytes.data(), n);
  return c;
}

bool decodes_in_place(const ArrayMeta& meta) {
  return meta.dtype != DType::string && !meta.fixed_unicode && !meta.big_endian &&
         meta.transpose.empty() && !meta.sharding;
}

std::string_view encode_chunk_bytes(const ArrayMeta& meta, std::string_view raw,
                                    CodecScratch& scratch) {
  std::string_view data = raw;
  std::string* buffers[2] = {&scratch.a, &scratch.b};
  for (std::size_t i = 0; i < meta.byte_codecs.size(); ++i) {
    std::string& out = *buffers[i % 2];  // never the buffer `data` views
    // Take out.data() only after encode_into, which may reallocate `out` (the order in
    // which a call's arguments are evaluated is unspecified: clang reads it first).
    const std::size_t size = meta.byte_codecs[i]->encode_into(data, out);
    data = std::string_view(out.data(), size);
  }
  return data;
}

std::string encode_chunk(const ArrayMeta& meta, const ChunkData& chunk) {
  CodecScratch scratch;
  const std::string items = meta.dtype == DType::string ? vlen_utf8_encode(chunk.strings) : "";
  const std::string& raw = meta.dtype == DType::string ? items : chunk.bytes;
  return std::string(encode_chunk_bytes(meta, raw, scratch));
}

void decode_chunk_into(const ArrayMeta& meta, std::string_view stored, std::span<char> out) {
  const auto& codecs = meta.byte_codecs;
  std::size_t decoded = stored.size();
  if (codecs.empty()) {
    if (decoded == out.size()) std::memcpy(out.data(), stored.data(), decoded);
  } else {
    // Codecs after the first (checksums, usually) decode into a temporary; the first one,
    // the compressor, writes the elements where they belong.
    std::string held;
    std::string_view data = stored;
    for (std::size_t i = codecs.size(); i-- > 1;) {
      held = codecs[i]->decode(data, intermediate_bound(out.size()));
      data = held;
    }
    decoded = codecs.front()->decode_into(data, out);
    if (decoded > out.size()) {
      throw CodecError(codecs.front()->v3_metadata()["name"].string_ref() +
                       ": data decodes to more than the " + std::to_string(out.size()) +
                       " bytes the chunk shape needs");
    }
  }
  if (decoded != out.size()) {
    throw CodecError("decoded chunk has " + std::to_string(decoded) +
                     " bytes, the chunk shape needs " + std::to_string(out.size()));
  }
}

ChunkData decode_chunk(const ArrayMeta& meta, std::string_view stored) {
  if (decodes_in_place(meta)) {
    ChunkData chunk;
    chunk.bytes.resize(meta.chunk_bytes());
    decode_chunk_into(meta, stored, chunk.bytes);
    return chunk;
  }
  const bool vlen = meta.dtype == DType::string && !meta.fixed_unicode;
  const std::size_t expected = vlen ? 0 : meta.chunk_bytes();
  // Every codec's output is bounded: the chunk's size for the first (innermost) one, some
  // room for expansion for those that feed another; strings by their own limit.
  const std::size_t last_bound = vlen ? kMaxVlenChunkBytes : expected;
  const std::size_t feed_bound = vlen ? kMaxVlenChunkBytes : intermediate_bound(expected);
  std::string data(stored);
  const auto& codecs = meta.byte_codecs;
  for (std::size_t i = codecs.size(); i-- > 0;) {
    data = codecs[i]->decode(data, i == 0 ? last_bound : feed_bound);
  }
  ChunkData chunk;
  const auto n = static_cast<std::size_t>(meta.chunk_elements());
  if (meta.dtype == DType::string && !meta.fixed_unicode) {
    chunk.strings = vlen_utf8_decode(data, n);
  } else {
    if (data.size() != expected) {
      throw CodecError("decoded chunk has " + std::to_string(data.size()) +
                       " bytes, the chunk shape needs " +
                       std::to_string(expected));
    }
    if (meta.fixed_unicode) {
      if (meta.big_endian) byte_swap(data, sizeof(char32_t));
      chunk.strings = utf32_items(data, meta.item_size);
    } else {
      if (meta.big_endian) byte_swap(data, meta.item_size);
      chunk.bytes = std::move(data);
    }
  }
  if (!meta.transpose.empty()) untranspose(meta, chunk);
  return chunk;
}

}  // namespace nuthatch::zarr
