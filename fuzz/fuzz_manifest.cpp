// The manifest parser: the JSON text of meta/<ns>/<key>/<backend>.json as storage holds
// it. A bad manifest is a CodecError (or NewerFormatError, a CodecError too, or a
// KeyError for invalid names it holds): a miss for the engine, never a crash.

#include <cstdint>

#include "fuzz_support.hpp"
#include "meta/manifest.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace nuthatch;
  NUTHATCH_FUZZ_EXPECTING(Error, {
    const Manifest m = manifest_from_json(fuzz::input(data, size), "fuzz/manifest.json");
    (void)manifest_to_json(m);
  });
  return 0;
}
