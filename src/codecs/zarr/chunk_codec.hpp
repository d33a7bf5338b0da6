#pragma once
// One chunk between its decoded form (full chunk shape, C order) and its stored bytes:
// the array-to-bytes step (`bytes` with endianness, or `vlen-utf8`), the transpose codec
// (read only) and the bytes-to-bytes codecs of the array's metadata.

#include <string>
#include <string_view>
#include <vector>

#include "codecs/zarr/chunk_grid.hpp"
#include "codecs/zarr/metadata.hpp"

namespace nuthatch::zarr {

/// A decoded chunk: fixed-size elements in `bytes` (native little-endian), or `strings`.
struct ChunkData {
  std::string bytes;
  std::vector<std::string> strings;
};

/// A full chunk of the fill value.
ChunkData fill_chunk(const ArrayMeta& meta);
/// Encodes a full chunk for storage. Throws CodecError naming the cause.
std::string encode_chunk(const ArrayMeta& meta, const ChunkData& chunk);
/// Decodes stored bytes into a full chunk. Throws CodecError naming the cause (corrupt
/// or truncated data, a size that does not match the chunk shape); the caller adds the
/// array and chunk key.
ChunkData decode_chunk(const ArrayMeta& meta, std::string_view stored);

/// vlen-utf8 (numcodecs VLenUTF8): uint32 count, then per item uint32 length and bytes,
/// all little-endian.
std::string vlen_utf8_encode(const std::vector<std::string>& items);
/// Throws CodecError when the buffer is truncated or holds another number of items.
std::vector<std::string> vlen_utf8_decode(std::string_view data, std::size_t expected_items);

}  // namespace nuthatch::zarr
