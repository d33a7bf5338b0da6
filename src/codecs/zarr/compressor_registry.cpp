// The registry of bytes-to-bytes codecs, and the default Compressor::encode_into /
// decode_into. Compressors add themselves from static registrars, possibly before main(),
// so the table is a function-local static.

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>

#include "codecs/zarr/compressor.hpp"
#include "nuthatch/error.hpp"

namespace nuthatch::zarr {
namespace {

struct Registry {
  std::mutex mutex;
  std::map<std::string, CompressorFactory, std::less<>> factories;
};

Registry& registry() {
  static Registry r;
  return r;
}

}  // namespace

void register_compressor(std::string name, CompressorFactory factory) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  r.factories[std::move(name)] = std::move(factory);
}

bool has_compressor(std::string_view name) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  return r.factories.find(name) != r.factories.end();
}

CompressorPtr make_compressor(std::string_view name, const Value& params,
                              std::size_t element_size) {
  CompressorFactory factory;
  std::string known;
  {
    Registry& r = registry();
    std::lock_guard lock(r.mutex);
    if (auto it = r.factories.find(name); it != r.factories.end()) factory = it->second;
    for (const auto& [n, f] : r.factories) known += (known.empty() ? "" : ", ") + n;
  }
  if (!factory) {
    throw CodecError("unsupported codec '" + std::string(name) + "' (supported: " + known + ")");
  }
  return factory(params.is_object() ? params : Value::object(), element_size);
}

std::size_t Compressor::encode_into(std::string_view raw, std::string& out) const {
  const std::string encoded = encode(raw);
  if (out.size() < encoded.size()) out.resize(encoded.size());
  std::copy(encoded.begin(), encoded.end(), out.begin());
  return encoded.size();
}

std::size_t Compressor::decode_into(std::string_view packed, std::span<char> out) const {
  const std::string decoded = decode(packed, out.size());
  if (decoded.size() == out.size()) std::copy(decoded.begin(), decoded.end(), out.begin());
  return decoded.size();
}

std::int64_t int_param(const Value& params, std::string_view key, std::int64_t fallback,
                       std::int64_t min, std::int64_t max) {
  const Value* v = params.find(key);
  if (v == nullptr || v->is_null()) return fallback;
  std::int64_t n = 0;
  if (v->is_int()) {
    n = v->as<std::int64_t>();
  } else if (v->is_double() && std::trunc(v->as<double>()) == v->as<double>() &&
             std::fabs(v->as<double>()) < static_cast<double>(INT32_MAX)) {
    n = static_cast<std::int64_t>(v->as<double>());
  } else {
    throw CodecError("codec parameter '" + std::string(key) + "' is " + v->to_string() +
                     ", not an integer");
  }
  if (n < min || n > max) {
    throw CodecError("codec parameter '" + std::string(key) + "' is " + std::to_string(n) +
                     ", outside " + std::to_string(min) + " ... " + std::to_string(max));
  }
  return n;
}

std::size_t intermediate_bound(std::size_t chunk_bytes) {
  constexpr std::size_t kSlack = 4096;
  return chunk_bytes + chunk_bytes / 8 + kSlack;
}

}  // namespace nuthatch::zarr
