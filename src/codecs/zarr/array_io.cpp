// Parallel chunk I/O of one array.
//
// Invariants of the array writer:
//  1. Every chunk of the grid is written, edge chunks padded with the fill value to the
//     full chunk shape, so a reader never depends on what was there before.
//  2. Chunks are written before the array's metadata (the caller writes metadata after
//     write_chunks returns), and metadata before the group's consolidated metadata: a
//     reader that finds the metadata finds complete chunks.
//  3. Memory stays bounded: each task extracts, encodes and writes one chunk and frees it
//     before taking the next, so at most (worker threads) chunks are in flight in any
//     form besides the caller's array.
//  4. A failure in any chunk stops the write and propagates (the first exception wins),
//     naming the array and the chunk key.
// The reader mirrors this: one task per touched chunk, which reads, decodes and copies
// its intersection with the box into the (disjoint) part of the output it owns.

#include "codecs/zarr/array_io.hpp"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <atomic>
#include <cstring>

#include "codecs/zarr/chunk_codec.hpp"
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

std::uint64_t write_box(Storage& storage, const std::string& array_prefix,
                        const ArrayMeta& meta, const NDArray& data, const Box& box) {
  if (data.shape() != box.extent()) {
    chunk_error(meta, array_prefix, "data shape does not match the region written");
  }
  if (meta.sharding) chunk_error(meta, array_prefix, "writing sharded arrays is not supported");
  const std::vector<Index> indices = chunks_touching(box, meta.chunks);
  std::atomic<std::uint64_t> written{0};
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, indices.size(), 1),
                    [&](const tbb::blocked_range<std::size_t>& range) {
    for (std::size_t i = range.begin(); i != range.end(); ++i) {
      const std::string key = array_prefix + meta.chunk_key(indices[i]);
      std::string stored;
      try {
        stored = encode_chunk(meta, extract_chunk(meta, data, box, indices[i]));
      } catch (const CodecError& e) {
        chunk_error(meta, key, e.what());
      }
      storage.write(key, stored);
      written += stored.size();
    }
  });
  return written.load();
}

NDArray read_box(Storage& storage, const std::string& array_prefix, const ArrayMeta& meta,
                 const Box& box) {
  const Index extent = box.extent();
  const bool strings = meta.dtype == DType::string;
  std::vector<std::string> string_out(strings ? static_cast<std::size_t>(box.elements()) : 0);
  NDArray out = strings ? NDArray() : NDArray::zeros(meta.dtype, extent);
  // A fresh zeros() array owns its buffer alone: writing through data() is safe here.
  void* raw = const_cast<void*>(out.data());
  const std::vector<Index> indices = chunks_touching(box, meta.chunks);
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, indices.size(), 1),
                    [&](const tbb::blocked_range<std::size_t>& range) {
    for (std::size_t i = range.begin(); i != range.end(); ++i) {
      const std::string key = array_prefix + meta.chunk_key(indices[i]);
      std::string* string_ptr = strings ? string_out.data() : nullptr;
      if (meta.sharding) {
        read_shard(storage, key, meta, indices[i], box, raw, string_ptr);
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
