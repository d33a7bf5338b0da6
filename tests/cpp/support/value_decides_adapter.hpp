#pragma once
// A result adapter whose backend depends on the value, as the Python package's does: the
// engine is told "" and learns the backend from the result (integers -> basic, strings
// -> blob), or from the stored entry when recalling.

#include "nuthatch/codec.hpp"
#include "nuthatch/engine.hpp"

namespace nuthatch::testing {

class ValueDecidesAdapter final : public ResultAdapter {
 public:
  std::string default_backend() const override { return ""; }
  std::string backend_for(const Boxed& r) const override {
    return r.as<Value>().is_string() ? "blob" : "basic";
  }
  Boxed to_stored(const Boxed& r, const Codec& codec) const override {
    if (codec.name() == "blob") return Boxed::make(Bytes(r.as<Value>().as<std::string>()));
    return r;
  }
  Boxed from_stored(const Boxed& stored, const Codec&, const std::string&) const override {
    if (const auto* b = stored.get<Bytes>()) return Boxed::make(Value(b->str()));
    return stored;
  }
  std::size_t memory_size(const Boxed&) const override { return 64; }
};

}  // namespace nuthatch::testing
