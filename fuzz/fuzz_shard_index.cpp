// The sharding_indexed reader: the bytes of one shard (inner chunks and the index of
// (offset, nbytes) pairs) read under one of a few fixed layouts. Input: one byte that
// picks the layout (index at the start or end, with or without crc32c, inner chunks raw,
// zstd or gzip, float32 or strings), then the shard's bytes.

#include <cstdint>
#include <string>

#include "zarr_fuzz.hpp"

namespace {

std::string layout(std::uint8_t pick) {
  const bool at_start = pick & 1;
  const bool crc = pick & 2;
  const int inner = (pick >> 2) % 3;
  const bool strings = pick & 16;
  const std::string bytes = R"({"name":"bytes","configuration":{"endian":"little"}})";
  std::string codecs = strings ? R"({"name":"vlen-utf8"})" : bytes;
  if (inner == 1) codecs += R"(,{"name":"zstd","configuration":{"level":1}})";
  if (inner == 2) codecs += R"(,{"name":"gzip","configuration":{"level":1}})";
  const std::string index_codecs = bytes + (crc ? R"(,{"name":"crc32c"})" : "");
  return std::string(R"({"zarr_format":3,"node_type":"array","shape":[4,4],"data_type":)") +
         (strings ? R"("string","fill_value":"")" : R"("float32","fill_value":0)") +
         R"(,"chunk_grid":{"name":"regular","configuration":{"chunk_shape":[4,4]}},)"
         R"("chunk_key_encoding":{"name":"default"},"codecs":[{"name":"sharding_indexed",)"
         R"("configuration":{"chunk_shape":[2,2],"codecs":[)" +
         codecs + R"(],"index_codecs":[)" + index_codecs + R"(],"index_location":")" +
         (at_start ? "start" : "end") + R"("}}]})";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace nuthatch;
  if (size == 0) return 0;
  const std::string meta = layout(data[0]);
  const std::string_view shard = fuzz::input(data + 1, size - 1);
  NUTHATCH_FUZZ_EXPECTING(CodecError, fuzz::read_through_store(meta, shard, 3));
  return 0;
}
