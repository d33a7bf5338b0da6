// Parsing and rendering of array metadata for both Zarr formats. Field order follows what
// zarr-python writes, so stores diff cleanly against Python-written ones.

#include "codecs/zarr/metadata.hpp"

#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#include "codecs/zarr/limits.hpp"
#include "codecs/zarr/sharding.hpp"
#include "nuthatch/error.hpp"

namespace nuthatch::zarr {
namespace {

struct DTypeName {
  DType dtype;
  std::string_view v3;
  std::string_view v2;  // without the byte-order character
};

constexpr std::array<DTypeName, 12> kDTypes = {{
    {DType::bool_, "bool", "b1"},     {DType::int8, "int8", "i1"},
    {DType::int16, "int16", "i2"},    {DType::int32, "int32", "i4"},
    {DType::int64, "int64", "i8"},    {DType::uint8, "uint8", "u1"},
    {DType::uint16, "uint16", "u2"},  {DType::uint32, "uint32", "u4"},
    {DType::uint64, "uint64", "u8"},  {DType::float32, "float32", "f4"},
    {DType::float64, "float64", "f8"}, {DType::string, "string", "O"},
}};

/// Sets m's dtype from the table entry whose `name` (v3 or v2 spelling) equals `text`.
bool set_dtype(ArrayMeta& m, std::string_view DTypeName::*name, std::string_view text) {
  for (const auto& d : kDTypes) {
    if (d.*name == text) {
      m.dtype = d.dtype;
      m.item_size = dtype_size(d.dtype);
      return true;
    }
  }
  return false;
}

/// Datetimes are stored as int64 (xarray's CF encoding); the group layer marks them.
DType stored_dtype(DType d) { return d == DType::datetime64_ns ? DType::int64 : d; }

[[noreturn]] void fail(const std::string& name, const std::string& cause) {
  throw CodecError("zarr array '" + name + "': " + cause);
}

std::vector<std::int64_t> int_list(const Value& v, const std::string& name, const char* what) {
  if (!v.is_array()) fail(name, std::string(what) + " is not a list of integers");
  if (v.size() > kMaxDims) {
    fail(name, std::string(what) + " has " + std::to_string(v.size()) +
                   " dimensions, more than the limit of " + std::to_string(kMaxDims));
  }
  std::vector<std::int64_t> out;
  for (const auto& e : v.array_items()) {
    if (!e.is_int()) fail(name, std::string(what) + " is not a list of integers");
    out.push_back(e.as<std::int64_t>());
  }
  return out;
}

const Value& member(const Value& obj, std::string_view key, const std::string& name) {
  const Value* v = obj.find(key);
  if (v == nullptr) fail(name, "metadata has no '" + std::string(key) + "'");
  return *v;
}

/// Whether `order` is a permutation of 0 ... rank - 1.
bool is_permutation_of(const std::vector<std::int64_t>& order, std::size_t rank) {
  if (order.size() != rank) return false;
  std::vector<bool> seen(rank, false);
  for (std::int64_t axis : order) {
    if (axis < 0 || static_cast<std::uint64_t>(axis) >= rank) return false;
    if (seen[static_cast<std::size_t>(axis)]) return false;
    seen[static_cast<std::size_t>(axis)] = true;
  }
  return true;
}

/// Checks every size the metadata declares before anything is sized by it: dimension
/// counts, extents, the element counts of the array and of a chunk (overflow-checked),
/// the item size and the bytes of a decoded chunk.
void check_geometry(const ArrayMeta& m) {
  if (m.shape.size() > kMaxDims) fail(m.name, "more than " + std::to_string(kMaxDims) + " dims");
  if (m.chunks.size() != m.shape.size()) {
    fail(m.name, "chunk shape has " + std::to_string(m.chunks.size()) + " dimensions, shape has " +
                     std::to_string(m.shape.size()));
  }
  for (std::size_t i = 0; i < m.shape.size(); ++i) {
    if (m.shape[i] < 0) fail(m.name, "negative extent in shape");
    if (m.chunks[i] < 1) fail(m.name, "chunk shape has an extent below 1");
  }
  if (!checked_product(m.shape, kMaxArrayElements)) {
    fail(m.name,
         "the shape's element count exceeds the limit of " + std::to_string(kMaxArrayElements));
  }
  const std::optional<std::int64_t> chunk_elements = checked_product(m.chunks, kMaxChunkElements);
  if (!chunk_elements) {
    fail(m.name, "the chunk shape's element count exceeds the limit of " +
                     std::to_string(kMaxChunkElements));
  }
  const bool vlen = m.dtype == DType::string && !m.fixed_unicode;
  if (vlen && *chunk_elements > kMaxVlenChunkElements) {
    fail(m.name, "a chunk of strings may hold at most " + std::to_string(kMaxVlenChunkElements) +
                     " elements");
  }
  if (!vlen && (m.item_size == 0 || m.item_size > static_cast<std::size_t>(kMaxItemBytes))) {
    fail(m.name, "item size of " + std::to_string(m.item_size) + " bytes is not supported");
  }
  if (!checked_mul(*chunk_elements, static_cast<std::int64_t>(m.item_size), kMaxChunkBytes)) {
    fail(m.name, "a chunk would decode to more than " + std::to_string(kMaxChunkBytes) + " bytes");
  }
  if (!m.transpose.empty() && !is_permutation_of(m.transpose, m.chunks.size())) {
    fail(m.name, "transpose order is not a permutation of the dimensions");
  }
}

/// The one-character chunk-key separator: '/' or '.'.
char separator_from(const Value& v, const std::string& name) {
  const std::string& s = v.string_ref();
  if (s != "/" && s != ".") {
    fail(name, "chunk key separator '" + s + "' is not \"/\" or \".\"");
  }
  return s[0];
}

template <class T>
std::string element_bytes(T v) {
  std::string out(sizeof(T), '\0');
  std::memcpy(out.data(), &v, sizeof(T));
  return out;
}

/// A float fill value: a number, "NaN", "Infinity", "-Infinity", or (v3) "0x" and the
/// hex of the element's bytes in big-endian order, which keeps a NaN's payload.
template <class F>
F float_from_json(const Value& fill) {
  if (fill.is_number()) {
    const double d = fill.as<double>();
    // A double beyond F's range becomes an infinity, as numpy casts it.
    if (std::isfinite(d) && std::fabs(d) > static_cast<double>(std::numeric_limits<F>::max())) {
      return d > 0 ? std::numeric_limits<F>::infinity() : -std::numeric_limits<F>::infinity();
    }
    return static_cast<F>(d);
  }
  const std::string& s = fill.string_ref();
  if (s == "NaN") return std::numeric_limits<F>::quiet_NaN();
  if (s == "Infinity") return std::numeric_limits<F>::infinity();
  if (s == "-Infinity") return -std::numeric_limits<F>::infinity();
  if (s.rfind("0x", 0) == 0 && s.size() == 2 + 2 * sizeof(F) &&
      s.find_first_not_of("0123456789abcdefABCDEF", 2) == std::string::npos) {
    using Bits = std::conditional_t<sizeof(F) == 4, std::uint32_t, std::uint64_t>;
    return std::bit_cast<F>(static_cast<Bits>(std::stoull(s, nullptr, 16)));
  }
  throw CodecError("fill_value '" + s + "' is not a number");
}

Value float_to_json(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  return d;
}

template <class T>
T read_element(const std::string& fill) {
  T v{};
  std::memcpy(&v, fill.data(), std::min(sizeof(T), fill.size()));
  return v;
}

}  // namespace

std::string fill_from_json(DType dtype, const Value& fill) {
  try {
    switch (dtype) {
      case DType::string: return fill.is_string() ? fill.string_ref() : std::string();
      case DType::bool_: return element_bytes<std::uint8_t>(fill.is_bool() ? fill.as<bool>() :
                                                  fill.is_int() && fill.as<std::int64_t>() != 0);
      case DType::float32: return element_bytes(fill.is_null() ? 0.0f : float_from_json<float>(fill));
      case DType::float64: return element_bytes(fill.is_null() ? 0.0 : float_from_json<double>(fill));
      default: break;
    }
    std::int64_t i = 0;
    if (fill.is_double()) {
      const double d = fill.as<double>();
      // -2^63 <= d < 2^63, else the conversion is undefined.
      constexpr double kTwo63 = 9223372036854775808.0;
      if (!(d >= -kTwo63 && d < kTwo63)) {
        throw CodecError("fill_value " + fill.to_string() + " is outside the range of " +
                         std::string(dtype_name(dtype)));
      }
      i = static_cast<std::int64_t>(d);
    } else if (!fill.is_null()) {
      i = fill.as<std::int64_t>();
    }
    std::string bytes = element_bytes(i);  // little-endian: the low bytes come first
    bytes.resize(dtype_size(dtype));
    return bytes;
  } catch (const KeyError& e) {
    throw CodecError("fill_value " + fill.to_string() + " does not suit dtype " +
                     std::string(dtype_name(dtype)));
  }
}

Value fill_to_json(DType dtype, const std::string& fill) {
  switch (dtype) {
    case DType::string: return fill;
    case DType::bool_: return read_element<std::uint8_t>(fill) != 0;
    case DType::float32: return float_to_json(read_element<float>(fill));
    case DType::float64: return float_to_json(read_element<double>(fill));
    case DType::int8: return read_element<std::int8_t>(fill);
    case DType::int16: return read_element<std::int16_t>(fill);
    case DType::int32: return read_element<std::int32_t>(fill);
    case DType::uint8: return read_element<std::uint8_t>(fill);
    case DType::uint16: return read_element<std::uint16_t>(fill);
    case DType::uint32: return read_element<std::uint32_t>(fill);
    case DType::uint64: {
      auto u = read_element<std::uint64_t>(fill);
      return u > static_cast<std::uint64_t>(INT64_MAX) ? Value(static_cast<double>(u)) : Value(u);
    }
    default: return read_element<std::int64_t>(fill);
  }
}

std::string ArrayMeta::chunk_key(const std::vector<std::int64_t>& index) const {
  std::string key = v3_default_keys ? "c" : "";
  for (std::size_t i = 0; i < index.size(); ++i) {
    if (!key.empty()) key += separator;
    key += std::to_string(index[i]);
  }
  return key.empty() ? "0" : key;
}

std::int64_t ArrayMeta::chunk_elements() const {
  const std::optional<std::int64_t> n = checked_product(chunks, kMaxChunkElements);
  if (!n) fail(name, "chunk shape exceeds the limit of " + std::to_string(kMaxChunkElements));
  return *n;
}

std::size_t ArrayMeta::chunk_bytes() const {
  return static_cast<std::size_t>(chunk_elements()) * item_size;
}

Value render_v3(const ArrayMeta& m) {
  Value::Array codecs;
  if (m.dtype == DType::string) {
    codecs.push_back(Value::object({{"name", "vlen-utf8"}, {"configuration", Value::object()}}));
  } else {
    codecs.push_back(Value::object(
        {{"name", "bytes"}, {"configuration", Value::object({{"endian", "little"}})}}));
  }
  for (const auto& c : m.byte_codecs) codecs.push_back(c->v3_metadata());
  Value::Array dims(m.dims.begin(), m.dims.end());
  DType d = stored_dtype(m.dtype);
  std::string_view type_name;
  for (const auto& t : kDTypes) {
    if (t.dtype == d) type_name = t.v3;
  }
  Value shape = Value(Value::Array(m.shape.begin(), m.shape.end()));
  Value chunks = Value(Value::Array(m.chunks.begin(), m.chunks.end()));
  return Value::object(
      {{"shape", shape},
       {"data_type", type_name},
       {"chunk_grid", Value::object({{"name", "regular"},
                                     {"configuration", Value::object({{"chunk_shape", chunks}})}})},
       {"chunk_key_encoding",
        Value::object({{"name", "default"},
                       {"configuration", Value::object({{"separator", "/"}})}})},
       {"fill_value", fill_to_json(d, m.fill)},
       {"codecs", Value(std::move(codecs))},
       {"attributes", m.attrs},
       {"dimension_names", Value(std::move(dims))},
       {"zarr_format", 3},
       {"node_type", "array"},
       {"storage_transformers", Value::array()}});
}

Value render_v2(const ArrayMeta& m) {
  DType d = stored_dtype(m.dtype);
  std::string dtype;
  for (const auto& t : kDTypes) {
    if (t.dtype == d) {
      dtype = dtype_size(d) <= 1 ? '|' : '<';
      dtype += t.v2;
    }
  }
  Value compressor = m.byte_codecs.empty() ? Value() : m.byte_codecs.front()->v2_metadata();
  Value filters =
      d == DType::string ? Value::array({Value::object({{"id", "vlen-utf8"}})}) : Value();
  return Value::object({{"chunks", Value(Value::Array(m.chunks.begin(), m.chunks.end()))},
                        {"compressor", compressor},
                        {"dtype", dtype},
                        {"fill_value", d == DType::string || m.fill_null ? Value()
                                                                       : fill_to_json(d, m.fill)},
                        {"filters", filters},
                        {"order", "C"},
                        {"shape", Value(Value::Array(m.shape.begin(), m.shape.end()))},
                        {"zarr_format", 2},
                        {"dimension_separator", "."}});
}

void parse_v3_codecs(ArrayMeta& m, const Value& codecs) {
  if (!codecs.is_array()) fail(m.name, "'codecs' is not a list");
  for (const auto& c : codecs.array_items()) {
    if (m.sharding) fail(m.name, "no codec may follow sharding_indexed");
    std::string cname =
        c.is_string() ? c.string_ref() : member(c, "name", m.name).as<std::string>();
    const Value* found = c.find("configuration");
    Value config = found != nullptr ? *found : Value::object();
    if (cname == "bytes") {
      const Value* endian = config.find("endian");
      m.big_endian = endian != nullptr && endian->is_string() && endian->string_ref() == "big";
    } else if (cname == "transpose") {
      m.transpose = int_list(member(config, "order", m.name), m.name, "transpose order");
      if (!is_permutation_of(m.transpose, m.chunks.size())) {
        fail(m.name, "transpose order is not a permutation of the dimensions");
      }
    } else if (cname == "sharding_indexed") {
      if (!m.transpose.empty()) fail(m.name, "transpose before sharding_indexed is not supported");
      m.sharding = parse_sharding(m, config);
    } else if (cname == "vlen-utf8") {
      if (m.dtype != DType::string) fail(m.name, "vlen-utf8 codec on a non-string array");
    } else if (has_compressor(cname)) {
      m.byte_codecs.push_back(make_compressor(cname, config, m.item_size));
    } else {
      fail(m.name, "unsupported codec '" + cname + "'");
    }
  }
}

namespace {

void parse_v3_dtype(ArrayMeta& m, const Value& type) {
  // zarr-python's numpy "<U n": {"name": "fixed_length_utf32", "configuration":
  // {"length_bytes": 4 n}}, code points stored in the `bytes` codec's byte order.
  if (const Value* n = type.is_object() ? type.find("name") : nullptr;
      n && n->is_string() && n->string_ref() == "fixed_length_utf32") {
    const Value* cfg = type.find("configuration");
    const Value* length = cfg ? cfg->find("length_bytes") : nullptr;
    if (!length || !length->is_int() || length->as<std::int64_t>() <= 0 ||
        length->as<std::int64_t>() % 4 != 0 || length->as<std::int64_t>() > kMaxItemBytes) {
      fail(m.name, "fixed_length_utf32 needs a positive length_bytes multiple of 4 up to " +
                       std::to_string(kMaxItemBytes));
    }
    m.dtype = DType::string;
    m.fixed_unicode = true;
    m.item_size = static_cast<std::size_t>(length->as<std::int64_t>());
    return;
  }
  std::string t = type.is_string() ? type.string_ref() : type.to_string();
  if (!set_dtype(m, &DTypeName::v3, t)) fail(m.name, "unsupported data_type '" + t + "'");
}

}  // namespace

ArrayMeta parse_v3(const Value& json, const std::string& name) {
  ArrayMeta m;
  m.name = name;
  m.zarr_format = 3;
  try {
    m.shape = int_list(member(json, "shape", name), name, "shape");
    parse_v3_dtype(m, member(json, "data_type", name));
    const Value& grid = member(json, "chunk_grid", name);
    if (member(grid, "name", name).as<std::string>() != "regular") {
      fail(name, "unsupported chunk_grid '" + grid["name"].as<std::string>() + "'");
    }
    m.chunks = int_list(member(member(grid, "configuration", name), "chunk_shape", name), name,
                        "chunk_shape");
    if (m.chunks.size() != m.shape.size()) check_geometry(m);
    const Value& keys = member(json, "chunk_key_encoding", name);
    const std::string& encoding = member(keys, "name", name).string_ref();
    if (encoding != "default" && encoding != "v2") {
      fail(name, "unsupported chunk_key_encoding '" + encoding + "'");
    }
    m.v3_default_keys = encoding == "default";
    m.separator = m.v3_default_keys ? '/' : '.';
    if (const Value* cfg = keys.find("configuration"); cfg && cfg->contains("separator")) {
      m.separator = separator_from((*cfg)["separator"], name);
    }
    m.fill = fill_from_json(m.dtype, member(json, "fill_value", name));
    parse_v3_codecs(m, member(json, "codecs", name));
    if (const Value* dims = json.find("dimension_names"); dims && dims->is_array()) {
      for (const auto& d : dims->array_items()) {
        m.dims.push_back(d.is_string() ? d.string_ref() : "dim_" + std::to_string(m.dims.size()));
      }
    }
    if (const Value* attrs = json.find("attributes"); attrs && attrs->is_object()) m.attrs = *attrs;
    if (const Value* st = json.find("storage_transformers"); st && st->size() > 0) {
      fail(name, "unsupported storage_transformers");
    }
  } catch (const KeyError& e) {
    fail(name, std::string("malformed metadata: ") + e.what());
  } catch (const CodecError& e) {
    if (std::string_view(e.what()).rfind("zarr array", 0) == 0) throw;
    fail(name, e.what());
  }
  check_geometry(m);
  return m;
}

namespace {

void parse_v2_dtype(ArrayMeta& m, const std::string& dtype) {
  if (dtype.size() < 2) fail(m.name, "unsupported dtype '" + dtype + "'");
  m.big_endian = dtype[0] == '>';
  std::string body = dtype.substr(1);
  if (body == "M8[ns]") {
    m.dtype = DType::datetime64_ns;
    m.item_size = 8;
    return;
  }
  if (body[0] == 'U' && body.size() > 1) {
    // "<U n": n code points of 4 bytes; n from 1 up to the item size limit.
    constexpr std::size_t kMaxDigits = 9;
    const std::string digits = body.substr(1);
    if (digits.size() > kMaxDigits || digits.find_first_not_of("0123456789") != std::string::npos) {
      fail(m.name, "unsupported dtype '" + dtype + "'");
    }
    const std::int64_t chars = std::stoll(digits);
    if (chars < 1 || 4 * chars > kMaxItemBytes) {
      fail(m.name, "dtype '" + dtype + "' has a width outside 1 ... " +
                       std::to_string(kMaxItemBytes / 4) + " characters");
    }
    m.dtype = DType::string;
    m.fixed_unicode = true;
    m.item_size = 4 * static_cast<std::size_t>(chars);
    return;
  }
  if (!set_dtype(m, &DTypeName::v2, body)) fail(m.name, "unsupported dtype '" + dtype + "'");
}

void parse_v2_filters(ArrayMeta& m, const Value& filters) {
  bool vlen = false;
  if (filters.is_array()) {
    for (const auto& f : filters.array_items()) {
      std::string id = member(f, "id", m.name).as<std::string>();
      if (id != "vlen-utf8") fail(m.name, "unsupported codec '" + id + "'");
      vlen = true;
    }
  }
  if (m.dtype == DType::string && !m.fixed_unicode && !vlen) {
    fail(m.name, "object array without a vlen-utf8 filter is not supported");
  }
}

}  // namespace

ArrayMeta parse_v2(const Value& zarray, const Value& zattrs, const std::string& name) {
  ArrayMeta m;
  m.name = name;
  m.zarr_format = 2;
  m.v3_default_keys = false;
  m.separator = '.';
  try {
    m.shape = int_list(member(zarray, "shape", name), name, "shape");
    parse_v2_dtype(m, member(zarray, "dtype", name).as<std::string>());
    const Value& fill = member(zarray, "fill_value", name);
    m.fill = fill_from_json(m.dtype, fill);
    m.fill_null = fill.is_null();
    m.chunks = int_list(member(zarray, "chunks", name), name, "chunks");
    if (m.chunks.size() != m.shape.size()) check_geometry(m);
    if (const Value* order = zarray.find("order"); order && order->as<std::string>() == "F") {
      for (auto i = static_cast<std::int64_t>(m.shape.size()) - 1; i >= 0; --i) {
        m.transpose.push_back(i);
      }
    }
    if (const Value* c = zarray.find("compressor"); c && !c->is_null()) {
      m.byte_codecs.push_back(
          make_compressor(member(*c, "id", name).as<std::string>(), *c, m.item_size));
    }
    if (const Value* f = zarray.find("filters")) parse_v2_filters(m, *f);
    if (const Value* sep = zarray.find("dimension_separator"); sep && !sep->is_null()) {
      m.separator = separator_from(*sep, name);
    }
    if (zattrs.is_object()) {
      for (const auto& [k, v] : zattrs.members()) {
        if (k == "_ARRAY_DIMENSIONS") {
          for (const auto& d : v.array_items()) m.dims.push_back(d.as<std::string>());
        } else {
          m.attrs[k] = v;
        }
      }
    }
  } catch (const KeyError& e) {
    fail(name, std::string("malformed metadata: ") + e.what());
  } catch (const CodecError& e) {
    if (std::string_view(e.what()).rfind("zarr array", 0) == 0) throw;
    fail(name, e.what());
  }
  check_geometry(m);
  return m;
}

}  // namespace nuthatch::zarr
