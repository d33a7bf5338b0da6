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
// Invariants of the array reader:
//  5. One task per stored chunk the box needs (for a sharded array, per inner chunk,
//     listed once the touched shards' indexes were read in parallel) decodes it and
//     copies its intersection with the box into the (disjoint) part of the output it
//     owns. The output starts uninitialised: the chunks touching the box cover it, and
//     each task writes every element of its part (a missing chunk, shard or inner chunk
//     as the fill value).
//  6. Fetching overlaps decoding as far as the storage gains from it: when
//     Storage::preferred_parallel_reads() is above 1 (object stores, whose GETs mostly
//     wait), a ChunkReader's threads fetch that many chunks at once, up to
//     kReadAheadChunks, ahead of the TBB workers that decode them in order of arrival.
//     Else (local files, memory: a read is a copy that needs a CPU anyway) each task
//     reads its own chunk on its worker, with no thread or queue in between.
//  7. Memory stays bounded: besides the output, the read-ahead holds at most
//     kReadAheadChunks chunks and kReadAheadBytes stored bytes (one chunk always fits)
//     between the start of their fetch and their decoding, and each worker one chunk it
//     decodes (its stored bytes and, off the fast path, its per-thread buffer).
//  8. A failure stops the read and propagates (the first exception wins, whether from a
//     fetch or a decode): a decode names the array, the chunk key (or shard and inner
//     chunk) and the cause; a failed read is the driver's StorageError, which names the
//     key. read_box returns or throws only after every fetch thread has been joined.
//
// Fast paths, for fixed-size little-endian dtypes without transpose (decodes_in_place):
//  - a chunk (or inner chunk of a shard) that lies whole inside the box and is one
//    contiguous run of the output is decoded straight into the output; other chunks
//    decode into a per-thread buffer and are copied;
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
#include <span>

#include "codecs/zarr/chunk_codec.hpp"
#include "codecs/zarr/chunk_reader.hpp"
#include "codecs/zarr/chunk_writer.hpp"
#include "codecs/zarr/sharding.hpp"
#include "common/parallel.hpp"
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

/// The read-ahead window: chunks and bytes held at once between fetch and decode.
constexpr std::size_t kReadAheadChunks = 16;
constexpr std::uint64_t kReadAheadBytes = std::uint64_t{64} << 20;

/// Threads that should fetch `count` objects from `storage`; 1: read on the decoders.
std::size_t read_threads(const Storage& storage, std::size_t count) {
  return std::min({storage.preferred_parallel_reads(), kReadAheadChunks, count});
}

/// One stored chunk that read_box needs: a whole object, or an inner chunk of a shard.
struct ChunkRead {
  Index index;                      ///< in the grid of the array's chunks, or of the inner chunks
  std::string key;                  ///< the chunk's object, or its shard's
  std::optional<ShardEntry> range;  ///< sharded: where in the shard (none: empty chunk)
  std::size_t position = 0;         ///< sharded: the inner chunk's place in the index
};

/// Where read_box reads: the store (the group holding the array) for messages.
struct ReadPlace {
  std::string store_prefix;  ///< the group's folder in the storage
  std::string store_url;

  ReadPlace(const Storage& storage, const std::string& array_prefix, const ArrayMeta& meta) {
    const std::string tail = meta.name + "/";
    store_prefix = array_prefix.ends_with(tail)
                       ? array_prefix.substr(0, array_prefix.size() - tail.size())
                       : array_prefix;
    store_url = storage.url_of(store_prefix);
  }
  /// A key of the storage as the store names it ("temp/c/0/1").
  std::string in_store(const std::string& key) const {
    return key.starts_with(store_prefix) ? key.substr(store_prefix.size()) : key;
  }
};

/// Throws CodecError naming the store, array, chunk key (or shard and inner chunk) and
/// `cause`.
[[noreturn]] void read_error(const ReadPlace& place, const ArrayMeta& meta, const ChunkRead& read,
                             const std::string& cause) {
  const std::string where = "zarr array '" + meta.name + "', ";
  const std::string store = " of store " + place.store_url + ": ";
  if (!meta.sharding) {
    throw CodecError(where + "chunk '" + place.in_store(read.key) + "'" + store + cause);
  }
  throw CodecError(where + "shard '" + place.in_store(read.key) + "', inner chunk " +
                   std::to_string(read.position) + store + cause);
}

/// Throws CodecError: the chunk (or shard) stored at `key` is missing, and the store's
/// writer wrote every one.
[[noreturn]] void missing_error(const ReadPlace& place, const ArrayMeta& meta,
                                const std::string& key) {
  throw CodecError(std::string(meta.sharding ? "shard '" : "chunk '") + place.in_store(key) +
                   "' of store " + place.store_url +
                   " is missing (its writer wrote every chunk: the payload was removed or "
                   "damaged)");
}

/// Where read_box puts the elements: the output covers `box`.
struct Output {
  const Box& box;
  char* raw;             ///< fixed-size elements
  std::string* strings;  ///< or strings
};

/// The reads of the chunks `box` touches. For a sharded array, first reads the index of
/// every shard it touches (in parallel, as many at once as the chunks would be), then
/// lists the inner chunks the box needs; those an index marks empty need no read.
std::vector<ChunkRead> plan_reads(Storage& storage, const std::string& array_prefix,
                                  const ArrayMeta& meta, const Box& box, MissingChunks missing,
                                  const ReadPlace& place) {
  const std::vector<Index> indices = chunks_touching(box, meta.chunks);
  std::vector<ChunkRead> reads;
  if (!meta.sharding) {
    reads.reserve(indices.size());
    for (const Index& index : indices) {
      reads.push_back({index, array_prefix + meta.chunk_key(index), std::nullopt, 0});
    }
    return reads;
  }
  std::vector<std::optional<ShardIndex>> shard_indexes(indices.size());
  const auto read_index = [&](std::size_t i) {
    try {
      shard_indexes[i] = read_shard_index(storage, array_prefix + meta.chunk_key(indices[i]), meta);
    } catch (const CodecError& e) {
      throw CodecError("zarr store " + place.store_url + ": " + e.what());
    }
  };
  const std::size_t threads = read_threads(storage, indices.size());
  if (threads > 1) {
    run_parallel(indices.size(), static_cast<int>(threads), read_index);
  } else {
    tbb::parallel_for(std::size_t{0}, indices.size(), read_index);
  }
  const ShardingSpec& spec = *meta.sharding;
  for (std::size_t s = 0; s < indices.size(); ++s) {
    const std::string key = array_prefix + meta.chunk_key(indices[s]);
    if (!shard_indexes[s] && missing == MissingChunks::error) missing_error(place, meta, key);
    const Box wanted = intersect(box, chunk_box(indices[s], meta.chunks, meta.shape));
    for (Index& inner : chunks_touching(wanted, spec.inner.chunks)) {
      const std::size_t pos = inner_position(spec, indices[s], inner);
      const std::optional<ShardEntry> entry =
          shard_indexes[s] ? (*shard_indexes[s])[pos] : std::nullopt;
      reads.push_back({std::move(inner), key, entry, pos});
    }
  }
  return reads;
}

/// Reads `read`'s bytes: std::nullopt for a missing chunk. Throws CodecError for an inner
/// chunk its shard's index promised and storage does not hold in full.
std::optional<std::string> fetch_chunk(Storage& storage, const ArrayMeta& meta,
                                       const ChunkRead& read, MissingChunks missing,
                                       const ReadPlace& place) {
  if (!meta.sharding) {
    std::optional<std::string> stored = storage.read(read.key);
    if (!stored && missing == MissingChunks::error) missing_error(place, meta, read.key);
    return stored;
  }
  if (!read.range) return std::nullopt;
  std::optional<std::string> stored =
      storage.read(read.key, {read.range->offset, read.range->nbytes});
  if (!stored && missing == MissingChunks::error) missing_error(place, meta, read.key);
  if (!stored || stored->size() != read.range->nbytes) {
    read_error(place, meta, read, "truncated");
  }
  return stored;
}

/// Decodes chunk `index` of `layout` (std::nullopt: the fill value) into the part of
/// `out` it covers: straight into place when decodes_in_place allows and the chunk is
/// whole and contiguous there, else through the thread's buffer. Throws CodecError
/// naming the cause only.
void decode_chunk_to(const ArrayMeta& layout, const Index& index,
                     const std::optional<std::string>& stored, const Output& out,
                     ChunkScratch& scratch) {
  if (!decodes_in_place(layout)) {
    const ChunkData chunk = stored ? decode_chunk(layout, *stored) : fill_chunk(layout);
    place_chunk(layout, index, chunk, out.box, out.raw, out.strings);
    return;
  }
  const Box region = intersect(out.box, chunk_box(index, layout.chunks, layout.shape));
  if (!stored) {
    fill_region(layout, region, out.raw, out.box);
    return;
  }
  const std::optional<std::size_t> at = in_place_offset(layout, index, out.box);
  if (!at) scratch.chunk.resize(layout.chunk_bytes());
  const std::span<char> target =
      at ? std::span<char>(out.raw + *at, layout.chunk_bytes()) : std::span<char>(scratch.chunk);
  decode_chunk_into(layout, *stored, target);
  if (!at) {
    copy_region(layout, region, scratch.chunk.data(), padded_box(layout, index), out.raw, out.box);
  }
}

/// Fetches item i (fetch) and uses it (use) for every i < count: with `threads` > 1,
/// fetched by a ChunkReader that many at a time ahead of the TBB workers that use them,
/// within the read-ahead window; else both on the TBB workers. The first exception
/// propagates once no thread works for the call any more.
void fetch_and_use(std::size_t count, std::size_t threads, const ChunkReader::Fetch& fetch,
                   const ChunkReader::SizeHint& size_hint, const ChunkReader::Use& use) {
  if (threads <= 1) {
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, count, 1),
                      [&](const tbb::blocked_range<std::size_t>& range) {
                        for (std::size_t i = range.begin(); i != range.end(); ++i) {
                          std::optional<std::string> stored = fetch(i);
                          use(i, stored);
                        }
                      });
    return;
  }
  ChunkReader reader(
      count, fetch, size_hint,
      {.threads = threads, .max_chunks = kReadAheadChunks, .max_bytes = kReadAheadBytes});
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, count, 1),
                    [&](const tbb::blocked_range<std::size_t>& range) {
                      for (std::size_t i = range.begin(); i != range.end(); ++i) {
                        if (!reader.consume(use)) return;
                      }
                    });
  reader.finish();
}

}  // namespace

NDArray read_box(Storage& storage, const std::string& array_prefix, const ArrayMeta& meta,
                 const Box& box, MissingChunks missing) {
  const ReadPlace place(storage, array_prefix, meta);
  const Index extent = box.extent();
  const bool strings = meta.dtype == DType::string;
  std::vector<std::string> string_out;
  NDArray out;
  try {
    if (strings) {
      string_out.resize(static_cast<std::size_t>(box.elements()));
    } else {
      out = NDArray::uninitialized(meta.dtype, extent);
    }
  } catch (const std::bad_alloc&) {
    throw CodecError("zarr array '" + meta.name + "' of store " + place.store_url +
                     ": cannot allocate " + std::to_string(box.elements()) + " elements");
  } catch (const std::length_error&) {
    throw CodecError("zarr array '" + meta.name + "' of store " + place.store_url +
                     ": cannot allocate " + std::to_string(box.elements()) + " elements");
  }
  // A fresh array owns its buffer alone: writing through data() is safe here.
  const Output output{box, static_cast<char*>(const_cast<void*>(out.data())),
                      strings ? string_out.data() : nullptr};
  const std::vector<ChunkRead> reads = plan_reads(storage, array_prefix, meta, box, missing, place);
  const ArrayMeta& layout = meta.sharding ? meta.sharding->inner : meta;
  ThreadScratch scratch;
  const auto fetch = [&](std::size_t i) {
    return fetch_chunk(storage, meta, reads[i], missing, place);
  };
  const auto size_hint = [&](std::size_t i) -> std::uint64_t {
    if (!meta.sharding) return meta.chunk_bytes();
    return reads[i].range ? reads[i].range->nbytes : 0;
  };
  const auto use = [&](std::size_t i, std::optional<std::string>& stored) {
    try {
      decode_chunk_to(layout, reads[i].index, stored, output, scratch.local());
    } catch (const CodecError& e) {
      read_error(place, meta, reads[i], e.what());
    } catch (const std::bad_alloc&) {
      read_error(place, meta, reads[i], "out of memory while decoding");
    } catch (const std::length_error&) {
      read_error(place, meta, reads[i], "out of memory while decoding");
    }
  };
  fetch_and_use(reads.size(), read_threads(storage, reads.size()), fetch, size_hint, use);
  if (strings) return NDArray::strings(std::move(string_out), extent);
  return out;
}

}  // namespace nuthatch::zarr
