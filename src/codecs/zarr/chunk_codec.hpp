#pragma once
// One chunk between its decoded form (full chunk shape, C order) and its stored bytes:
// the array-to-bytes step (`bytes` with endianness, or `vlen-utf8`), the transpose codec
// (read only) and the bytes-to-bytes codecs of the array's metadata.

#include <span>
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

/// Buffers a thread reuses from chunk to chunk for the output of the byte codecs, so
/// coding many chunks allocates once.
struct CodecScratch {
  std::string a;
  std::string b;
};

/// A full chunk of the fill value.
ChunkData fill_chunk(const ArrayMeta& meta);
/// Fills `count` elements at `out` with the fill value (fixed-size dtypes).
void fill_elements(const ArrayMeta& meta, char* out, std::size_t count);

/// Whether a chunk of `meta` decodes to its native C-ordered elements by the byte codecs
/// alone (a fixed-size dtype, little-endian, no transpose): then decode_chunk_into and
/// encode_chunk_bytes apply.
bool decodes_in_place(const ArrayMeta& meta);
/// Decodes stored bytes straight into `out` (meta.chunk_bytes() long), for arrays where
/// decodes_in_place holds. Throws CodecError like decode_chunk; `out` is then undefined.
void decode_chunk_into(const ArrayMeta& meta, std::string_view stored, std::span<char> out);
/// Encodes one full chunk of fixed-size elements (`raw`: meta.chunk_bytes(), C order).
/// Returns the stored bytes: `raw` itself when the array has no byte codecs, else a view
/// of the start of scratch.a or scratch.b, valid until their next use. Throws CodecError
/// naming the cause.
std::string_view encode_chunk_bytes(const ArrayMeta& meta, std::string_view raw,
                                    CodecScratch& scratch);
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
