// Parallel chunk I/O of one array.
//
// Invariants of the array writer:
//  1. Every chunk of the grid is written, edge chunks padded with the fill value to the
//     full chunk shape, so a reader never depends on what was there before.
//  2. Chunks are written before the array's metadata (the caller writes metadata after
//     write_chunks returns), and metadata before the group's consolidated metadata: a
//     reader that finds the metadata finds complete chunks.
//  3. Memory stays bounded: each task extracts and encodes one chunk and hands it to a
//     ChunkWriter (a few threads that write while the workers encode, so a blocking
//     write, such as the file driver's fsync, does not idle the CPUs), waiting while
//     kWriterQueue chunks are queued. So at most (worker threads + writer threads +
//     kWriterQueue) chunks are in flight in any form besides the caller's array; buffers
//     are reused from chunk to chunk, and freed when the call returns.
//  4. A failure in any chunk stops the write and propagates (the first exception wins,
//     whether it came from encoding or writing), naming the array and the chunk key;
//     write_box returns only after every chunk it queued was written or dropped.
// The reader mirrors this: one task per touched chunk, which reads, decodes and copies
// its intersection with the box into the (disjoint) part of the output it owns. The
// output starts uninitialised: the chunks touching the box cover it, and each task
// writes every element of its part (a missing chunk as the fill value).
//
// Fast paths, for fixed-size little-endian dtypes without transpose (decodes_in_place):
//  - a chunk that lies whole inside the box and is one contiguous run of the output is
//    decoded straight into the output; other chunks decode into a per-thread buffer and
//    are copied;
//  - on write, a chunk that lies whole inside the box and is one contiguous run of the
//    source is encoded straight from it; other chunks are gathered into a per-thread
//    buffer, padded with the fill value only when they reach past the box.

#include "codecs/zarr/array_io.hpp"

#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cstring>
#include <optional>

#include "codecs/zarr/chunk_codec.hpp"
#include "codecs/zarr/chunk_writer.hpp"
#include "codecs/zarr/sharding.hpp"
#include "nuthatch/error.hpp"

namespace nuthatch::zarr {
namespace {

[[noreturn]] void chunk_error(const ArrayMeta& meta, const std::string& key,
                              const std::string& cause) {
  throw CodecError("zarr array '" + meta.name + "', chunk '" + key + "': " + cause);
}

/// Copies `region` from `src` (covering src_box) into `dst` (covering dst_box).
void copy_region(const ArrayMeta& meta, const Box& region, const void* src, const Box& src_box,
                 void* dst, const Box& dst_box) {
  const std::size_t item = meta.item_size;
  for_each_run(region, src_box.start, src_box.extent(), dst_box.start, dst_box.extent(),
               [&](std::int64_t s, std::int64_t d, std::int64_t n) {
                 std::memcpy(static_cast<char*>(dst) + static_cast<std::size_t>(d) * item,
                             static_cast<const char*>(src) + static_cast<std::size_t>(s) * item,
                             static_cast<std::size_t>(n) * item);
               });
}

void copy_strings(const Box& region, const std::string* src, const Box& src_box, std::string* dst,
                  const Box& dst_box) {
  for_each_run(region, src_box.start, src_box.extent(), dst_box.start, dst_box.extent(),
               [&](std::int64_t s, std::int64_t d, std::int64_t n) {
                 std::copy(src + s, src + s + n, dst + d);
               });
}

/// The full (unclipped) box of a chunk: the layout of its decoded buffer.
Box padded_box(const ArrayMeta& meta, const Index& index) {
  Box b{Index(index.size()), Index(index.size())};
  for (std::size_t i = 0; i < index.size(); ++i) {
    b.start[i] = index[i] * meta.chunks[i];
    b.stop[i] = b.start[i] + meta.chunks[i];
  }
  return b;
}

/// The offset (in elements) of `region` in a C-ordered buffer covering `outer`, when the
/// region is one contiguous run of it: all extents but the last few equal the outer ones,
/// and any leading extent is 1. std::nullopt otherwise.
std::optional<std::int64_t> contiguous_offset(const Box& region, const Box& outer) {
  const std::size_t rank = region.start.size();
  std::int64_t offset = 0;
  std::int64_t stride = 1;
  bool partial_seen = false;  // an inner axis that does not span the outer extent
  for (std::size_t i = rank; i-- > 0;) {
    const std::int64_t extent = region.stop[i] - region.start[i];
    const std::int64_t outer_extent = outer.stop[i] - outer.start[i];
    if (partial_seen && extent != 1) return std::nullopt;
    if (extent != outer_extent) partial_seen = true;
    offset += (region.start[i] - outer.start[i]) * stride;
    stride *= outer_extent;
  }
  return offset;
}

bool same_box(const Box& a, const Box& b) { return a.start == b.start && a.stop == b.stop; }

/// Where chunk `index` lies in a buffer covering `box`, as a byte offset, when it can be
/// coded in place there: the whole (unpadded) chunk is inside the box and contiguous.
std::optional<std::size_t> in_place_offset(const ArrayMeta& meta, const Index& index,
                                           const Box& box) {
  const Box padded = padded_box(meta, index);
  if (!same_box(intersect(box, padded), padded)) return std::nullopt;
  const std::optional<std::int64_t> offset = contiguous_offset(padded, box);
  if (!offset) return std::nullopt;
  return static_cast<std::size_t>(*offset) * meta.item_size;
}

/// Writes the fill value over `region` of `dst` (covering dst_box).
void fill_region(const ArrayMeta& meta, const Box& region, void* dst, const Box& dst_box) {
  for_each_run(region, dst_box.start, dst_box.extent(), dst_box.start, dst_box.extent(),
               [&](std::int64_t, std::int64_t d, std::int64_t n) {
                 fill_elements(meta, static_cast<char*>(dst) + static_cast<std::size_t>(d) *
                                                                   meta.item_size,
                               static_cast<std::size_t>(n));
               });
}

/// Per-thread buffers of the fast paths, reused from chunk to chunk.
struct ChunkScratch {
  std::string chunk;   ///< one decoded chunk (full chunk shape)
  CodecScratch codec;  ///< the byte codecs' output
};
using ThreadScratch = tbb::enumerable_thread_specific<ChunkScratch>;

/// The chunk at `index`, taken from `data` (which covers `box`), padded with the fill.
ChunkData extract_chunk(const ArrayMeta& meta, const NDArray& data, const Box& box,
                        const Index& index) {
  ChunkData chunk = fill_chunk(meta);
  const Box padded = padded_box(meta, index);
  const Box region = intersect(box, chunk_box(index, meta.chunks, meta.shape));
  if (meta.dtype == DType::string) {
    copy_strings(region, data.string_values().data(), box, chunk.strings.data(), padded);
  } else {
    copy_region(meta, region, data.data(), box, chunk.bytes.data(), padded);
  }
  return chunk;
}

/// Copies the part of `box` that chunk `index` (decoded as `chunk`) covers into `out`.
void place_chunk(const ArrayMeta& meta, const Index& index, const ChunkData& chunk,
                 const Box& box, void* raw, std::string* strings) {
  const Box region = intersect(box, chunk_box(index, meta.chunks, meta.shape));
  const Box padded = padded_box(meta, index);
  if (strings != nullptr) {
    copy_strings(region, chunk.strings.data(), padded, strings, box);
  } else {
    copy_region(meta, region, chunk.bytes.data(), padded, raw, box);
  }
}

/// Reads the inner chunks of one shard that `box` needs, each with its own ranged read.
void read_shard(Storage& storage, const std::string& key, const ArrayMeta& meta,
                const Index& shard, const Box& box, void* raw, std::string* strings) {
  const ShardingSpec& spec = *meta.sharding;
  const std::optional<ShardIndex> index = read_shard_index(storage, key, meta);
  const Box wanted = intersect(box, chunk_box(shard, meta.chunks, meta.shape));
  const std::vector<Index> inner = chunks_touching(wanted, spec.inner.chunks);
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, inner.size(), 1),
                    [&](const tbb::blocked_range<std::size_t>& range) {
    for (std::size_t i = range.begin(); i != range.end(); ++i) {
      const std::size_t pos = inner_position(spec, shard, inner[i]);
      const std::optional<ShardEntry> entry = index ? (*index)[pos] : std::nullopt;
      ChunkData chunk;
      if (!entry) {
        chunk = fill_chunk(spec.inner);
      } else {
        std::optional<std::string> stored = storage.read(key, {entry->offset, entry->nbytes});
        const std::string where = "zarr array '" + meta.name + "', shard '" + key +
                                  "', inner chunk " + std::to_string(pos) + ": ";
        if (!stored || stored->size() != entry->nbytes) throw CodecError(where + "truncated");
        try {
          chunk = decode_chunk(spec.inner, *stored);
        } catch (const CodecError& e) {
          throw CodecError(where + e.what());
        }
      }
      place_chunk(spec.inner, inner[i], chunk, box, raw, strings);
    }
  });
}

}  // namespace

std::uint64_t write_chunks(Storage& storage, const std::string& array_prefix,
                           const ArrayMeta& meta, const NDArray& data) {
  return write_box(storage, array_prefix, meta, data, full_box(meta.shape));
}

namespace {

/// Writer threads per write_box call, and the encoded chunks that may wait for them.
constexpr std::size_t kWriterThreads = 4;
constexpr std::size_t kWriterQueue = 4;

/// Moves the bytes `view` points at into the start of `buffer`, whose size is kept: by
/// swapping when they are one of the scratch buffers, else by copying. Returns their size.
std::size_t take_bytes(std::string_view view, CodecScratch& scratch, std::string& buffer) {
  for (std::string* held : {&scratch.a, &scratch.b}) {
    if (view.data() == held->data()) {
      std::swap(*held, buffer);
      return view.size();
    }
  }
  if (buffer.size() < view.size()) buffer.resize(view.size());
  std::copy(view.begin(), view.end(), buffer.begin());
  return view.size();
}

/// Chunk `index` of `data` (which covers `box`), encoded into buffer[0, n); returns n.
std::size_t encode_for_write(const ArrayMeta& meta, const NDArray& data, const Box& box,
                             const Index& index, ChunkScratch& scratch, std::string& buffer) {
  if (meta.dtype == DType::string) {
    buffer = encode_chunk(meta, extract_chunk(meta, data, box, index));
    return buffer.size();
  }
  const char* source = static_cast<const char*>(data.data());
  std::string_view raw;
  if (const std::optional<std::size_t> at = in_place_offset(meta, index, box)) {
    raw = std::string_view(source + *at, meta.chunk_bytes());
  } else {
    const Box padded = padded_box(meta, index);
    const Box region = intersect(box, chunk_box(index, meta.chunks, meta.shape));
    scratch.chunk.resize(meta.chunk_bytes());
    if (!same_box(region, padded)) {
      fill_elements(meta, scratch.chunk.data(), static_cast<std::size_t>(meta.chunk_elements()));
    }
    copy_region(meta, region, source, box, scratch.chunk.data(), padded);
    raw = scratch.chunk;
  }
  return take_bytes(encode_chunk_bytes(meta, raw, scratch.codec), scratch.codec, buffer);
}

}  // namespace

std::uint64_t write_box(Storage& storage, const std::string& array_prefix,
                        const ArrayMeta& meta, const NDArray& data, const Box& box) {
  if (data.shape() != box.extent()) {
    chunk_error(meta, array_prefix, "data shape does not match the region written");
  }
  if (meta.sharding) chunk_error(meta, array_prefix, "writing sharded arrays is not supported");
  const std::vector<Index> indices = chunks_touching(box, meta.chunks);
  ThreadScratch scratch;
  const auto encode = [&](std::size_t i, std::string& buffer) -> std::size_t {
    try {
      return encode_for_write(meta, data, box, indices[i], scratch.local(), buffer);
    } catch (const CodecError& e) {
      chunk_error(meta, array_prefix + meta.chunk_key(indices[i]), e.what());
    }
  };
  if (indices.empty()) return 0;
  if (indices.size() == 1) {
    std::string buffer;
    const std::size_t size = encode(0, buffer);
    storage.write(array_prefix + meta.chunk_key(indices[0]),
                  std::string_view(buffer.data(), size));
    return size;
  }
  ChunkWriter writer(storage, std::min(kWriterThreads, indices.size()), kWriterQueue);
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, indices.size(), 1),
                    [&](const tbb::blocked_range<std::size_t>& range) {
    for (std::size_t i = range.begin(); i != range.end() && !writer.failed(); ++i) {
      try {
        std::string buffer = writer.take_buffer();
        const std::size_t size = encode(i, buffer);
        writer.push(array_prefix + meta.chunk_key(indices[i]), std::move(buffer), size);
      } catch (...) {
        writer.fail(std::current_exception());
      }
    }
  });
  return writer.finish();
}

namespace {

/// Reads chunk `index` of an array where decodes_in_place holds into `out` (covering
/// `box`): straight into place when it can, else through the thread's buffer.
void read_fixed_chunk(Storage& storage, const std::string& key, const ArrayMeta& meta,
                      const Index& index, const Box& box, char* out, ChunkScratch& scratch) {
  const Box region = intersect(box, chunk_box(index, meta.chunks, meta.shape));
  const std::optional<std::string> stored = storage.read(key);
  if (!stored) {
    fill_region(meta, region, out, box);
    return;
  }
  const std::optional<std::size_t> at = in_place_offset(meta, index, box);
  if (!at) scratch.chunk.resize(meta.chunk_bytes());
  const std::span<char> target = at ? std::span<char>(out + *at, meta.chunk_bytes())
                                    : std::span<char>(scratch.chunk);
  try {
    decode_chunk_into(meta, *stored, target);
  } catch (const CodecError& e) {
    chunk_error(meta, key, e.what());
  }
  if (!at) copy_region(meta, region, scratch.chunk.data(), padded_box(meta, index), out, box);
}

}  // namespace

NDArray read_box(Storage& storage, const std::string& array_prefix, const ArrayMeta& meta,
                 const Box& box) {
  const Index extent = box.extent();
  const bool strings = meta.dtype == DType::string;
  const bool fixed = decodes_in_place(meta);
  std::vector<std::string> string_out(strings ? static_cast<std::size_t>(box.elements()) : 0);
  NDArray out = strings ? NDArray() : NDArray::uninitialized(meta.dtype, extent);
  // A fresh array owns its buffer alone: writing through data() is safe here.
  char* raw = static_cast<char*>(const_cast<void*>(out.data()));
  const std::vector<Index> indices = chunks_touching(box, meta.chunks);
  ThreadScratch scratch;
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, indices.size(), 1),
                    [&](const tbb::blocked_range<std::size_t>& range) {
    for (std::size_t i = range.begin(); i != range.end(); ++i) {
      const std::string key = array_prefix + meta.chunk_key(indices[i]);
      std::string* string_ptr = strings ? string_out.data() : nullptr;
      if (meta.sharding) {
        read_shard(storage, key, meta, indices[i], box, raw, string_ptr);
        continue;
      }
      if (fixed) {
        read_fixed_chunk(storage, key, meta, indices[i], box, raw, scratch.local());
        continue;
      }
      std::optional<std::string> stored = storage.read(key);
      ChunkData chunk;
      try {
        chunk = stored ? decode_chunk(meta, *stored) : fill_chunk(meta);
      } catch (const CodecError& e) {
        chunk_error(meta, key, e.what());
      }
      place_chunk(meta, indices[i], chunk, box, raw, string_ptr);
    }
  });
  if (strings) return NDArray::strings(std::move(string_out), extent);
  return out;
}

}  // namespace nuthatch::zarr
