// Zarr v2 array metadata (.zarray) plus the decoding of a chunk with it. Input: the
// .zarray text, a NUL byte, the chunk's stored bytes.

#include "zarr_fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  nuthatch::fuzz::fuzz_zarr(nuthatch::fuzz::input(data, size), 2);
  return 0;
}
