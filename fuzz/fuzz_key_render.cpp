// Key rendering: arbitrary argument values (built by decoding the input as msgpack, which
// reaches every kind of Value: nesting, bytes, NUL and non-UTF-8 strings, extreme numbers)
// rendered into key segments and keys. Rendering must not fail on any value, and a
// segment must hold only [A-Za-z0-9._-], '=' and '~' (never a '/' or '..' path part).

#include <cstdint>
#include <cstdlib>
#include <string>

#include "fuzz_support.hpp"
#include "nuthatch/codec.hpp"
#include "nuthatch/keys.hpp"

namespace {

bool safe_segment(const std::string& s) {
  for (char c : s) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-' || c == '=' || c == '~' || c == '%';
    if (!ok) return false;
  }
  return s != "." && s != "..";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace nuthatch;
  Value value;
  try {
    value =
        CodecRegistry::get("basic").decode(fuzz::input(data, size), Value::object()).as<Value>();
  } catch (const CodecError&) {
    return 0;  // not a value: nothing to render
  }
  (void)render_key_value(value);
  const std::string segment = key_segment("arg", value);
  if (!safe_segment(segment)) std::abort();
  NUTHATCH_FUZZ_EXPECTING(KeyError, {
    const std::string key = make_key("fuzzed", {{"arg", value}, {"other", Value(1)}});
    for (std::size_t at = 0, next; at <= key.size(); at = next + 1) {
      next = key.find('/', at);
      if (next == std::string::npos) next = key.size();
      if (!safe_segment(key.substr(at, next - at))) std::abort();
    }
  });
  return 0;
}
