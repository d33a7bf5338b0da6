// Zarr v3 array metadata (zarr.json) plus the decoding of a chunk (or a shard) with it.
// Input: the zarr.json text, a NUL byte, the chunk's stored bytes.

#include "zarr_fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  nuthatch::fuzz::fuzz_zarr(nuthatch::fuzz::input(data, size), 3);
  return 0;
}
