// The `basic` codec's decoder: msgpack bytes as stored in a payload. Every malformed input
// must end in a CodecError; a decoded value must encode again.

#include <cstdint>

#include "fuzz_support.hpp"
#include "nuthatch/codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace nuthatch;
  const Codec& basic = CodecRegistry::get("basic");
  NUTHATCH_FUZZ_EXPECTING(CodecError, {
    const Boxed value = basic.decode(fuzz::input(data, size), Value::object());
    (void)basic.encode(value, Value::object());
  });
  return 0;
}
