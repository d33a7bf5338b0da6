// Writing a Dataset as a Zarr group, the way xarray's to_zarr lays it out:
//  - one array per variable, named after it; dims in `dimension_names` (v3) or the
//    `_ARRAY_DIMENSIONS` attribute (v2);
//  - non-dimension coordinates listed in the `coordinates` attribute of each data
//    variable whose dims contain theirs; the others in the group's `coordinates`;
//  - datetime64[ns] stored as int64 with the units / calendar marker attributes;
//  - chunks, then array metadata, then group metadata (consolidated last), so a reader
//    that sees the group sees complete arrays.

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>

#include "codecs/zarr/array_io.hpp"
#include "codecs/zarr/group.hpp"
#include "codecs/zarr/zarr_json.hpp"
#include "common/base64.hpp"
#include "nuthatch/error.hpp"

namespace nuthatch::zarr {
namespace {

constexpr std::int64_t kTargetChunkBytes = 4 << 20;
constexpr std::int64_t kStringItemEstimate = 16;
// blosc (lz4, byte shuffle, level 5; numcodecs' long-standing default): on float32 fields
// with measurement noise it wrote 5.4x faster than zstd level 3 and read 1.8x faster, for
// 17% more bytes (bench/python/python_bench.py data; see docs/ARCHITECTURE.md).
constexpr std::string_view kDefaultCompressor = "blosc";

[[noreturn]] void bad_variable(const std::string& name, const std::string& cause) {
  throw CodecError("zarr variable '" + name + "': " + cause);
}

bool is_dimension_coord(const std::string& name, const VariableSchema& var) {
  return var.dims.size() == 1 && var.dims[0] == name;
}

bool dims_contain(const VariableSchema& outer, const VariableSchema& inner) {
  return std::all_of(inner.dims.begin(), inner.dims.end(), [&](const std::string& d) {
    return std::find(outer.dims.begin(), outer.dims.end(), d) != outer.dims.end();
  });
}

/// Non-dimension coordinates, each with the data variables it attaches to.
struct CoordinateLinks {
  std::map<std::string, std::vector<std::string>> per_variable;
  std::vector<std::string> unattached;
};

CoordinateLinks link_coordinates(const DatasetSchema& ds) {
  CoordinateLinks links;
  for (const auto& coord : ds.coords) {
    auto it = ds.variables.find(coord);
    if (it == ds.variables.end() || is_dimension_coord(coord, it->second)) continue;
    bool attached = false;
    for (const auto& [name, var] : ds.variables) {
      if (ds.coords.contains(name) || !dims_contain(var, it->second)) continue;
      links.per_variable[name].push_back(coord);
      attached = true;
    }
    if (!attached) links.unattached.push_back(coord);
  }
  return links;
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : " ") + n;
  return out;
}

Value user_attrs(const std::string& name, const VariableSchema& var) {
  if (var.attrs.is_null()) return Value::object();
  if (!var.attrs.is_object()) bad_variable(name, "attrs is not an object");
  return var.attrs;
}

std::vector<std::int64_t> chunks_of(const std::string& name, const VariableSchema& var) {
  const Value* chunks = var.encoding.find("chunks");
  if (chunks == nullptr || chunks->is_null()) return auto_chunks(var.shape, var.dtype);
  std::vector<std::int64_t> out;
  try {
    for (const auto& c : chunks->array_items()) out.push_back(c.as<std::int64_t>());
  } catch (const KeyError&) {
    bad_variable(name, "encoding.chunks is not a list of integers");
  }
  if (out.size() != var.shape.size()) {
    bad_variable(name, "encoding.chunks has the wrong rank");
  }
  for (auto c : out) {
    if (c < 1) bad_variable(name, "encoding.chunks must be positive");
  }
  return out;
}

Value default_fill(DType dtype) {
  if (dtype == DType::float32 || dtype == DType::float64) return "NaN";
  if (dtype == DType::bool_) return false;
  if (dtype == DType::string) return "";
  return 0;
}

bool is_float(DType d) { return d == DType::float32 || d == DType::float64; }

/// The fill element of xarray's `_FillValue` attribute (v3 stores): floats as the base64
/// of a little-endian double, other dtypes as plain JSON values.
std::string fill_from_attr(const ArrayMeta& m, DType stored, const Value& attr) {
  if (is_float(stored) && attr.is_string()) {
    std::optional<std::string> raw = base64_decode(attr.string_ref());
    if (raw && raw->size() == sizeof(double)) {
      double d = 0;
      std::memcpy(&d, raw->data(), sizeof d);
      return fill_from_json(stored, Value(d));
    }
  }
  try {
    return fill_from_json(stored, attr);
  } catch (const CodecError& e) {
    bad_variable(m.name, std::string("_FillValue: ") + e.what());
  }
}

/// xarray's `_FillValue` attribute for a fill element (the inverse of fill_from_attr).
Value fill_attr(DType stored, const std::string& fill) {
  if (!is_float(stored)) return fill_to_json(stored, fill);
  double d = 0;
  if (stored == DType::float32) {
    float f = 0;
    std::memcpy(&f, fill.data(), sizeof f);
    d = f;
  } else {
    std::memcpy(&d, fill.data(), sizeof d);
  }
  return base64_encode(std::string_view(reinterpret_cast<const char*>(&d), sizeof d));
}

/// Sets the array's fill value following xarray: the missing-value marker is the v2
/// `fill_value` (null: none), but the `_FillValue` attribute in v3, where `fill_value`
/// is mandatory and does not mask. encoding.fill_value is the source's `fill_value` and
/// encoding.zarr_format the format it belongs to (absent: v2's meaning), so converting
/// between formats moves the marker between `fill_value` and `_FillValue`.
void set_fill(ArrayMeta& m, const Value& encoding) {
  const DType stored = m.dtype == DType::datetime64_ns ? DType::int64 : m.dtype;
  const Value* fill = encoding.find("fill_value");
  const Value* format = encoding.find("zarr_format");
  const bool fill_is_marker = format == nullptr || !format->is_int() || format->as<int>() == 2;
  if (m.zarr_format == 2) {
    if (m.attrs.contains("_FillValue")) {
      m.fill = fill_from_attr(m, stored, m.attrs["_FillValue"]);
      m.attrs.members().erase(std::find_if(m.attrs.members().begin(), m.attrs.members().end(),
                                           [](const auto& kv) { return kv.first == "_FillValue"; }));
    } else if (fill != nullptr && !fill->is_null() && fill_is_marker) {
      m.fill = fill_from_json(stored, *fill);
    } else if (fill == nullptr && is_float(stored)) {
      m.fill = fill_from_json(stored, default_fill(stored));  // NaN, as xarray writes
    } else {
      m.fill = fill_from_json(stored, Value());
      m.fill_null = true;
    }
    return;
  }
  const bool has_fill = fill != nullptr && !fill->is_null();
  m.fill = fill_from_json(stored, has_fill ? *fill : default_fill(stored));
  if (has_fill && format != nullptr && fill_is_marker && !m.attrs.contains("_FillValue") &&
      stored != DType::string) {
    m.attrs["_FillValue"] = fill_attr(stored, m.fill);
  }
}

ArrayMeta meta_of(const std::string& name, const VariableSchema& var, const CoordinateLinks& links,
                  int zarr_format) {
  if (name.empty() || name.find('/') != std::string::npos || name.front() == '.') {
    bad_variable(name, "names must be non-empty, without '/' and not start with '.'");
  }
  if (var.dims.size() != var.shape.size()) {
    bad_variable(name, std::to_string(var.dims.size()) + " dims for an array of rank " +
                           std::to_string(var.shape.size()));
  }
  ArrayMeta m;
  m.name = name;
  m.zarr_format = zarr_format;
  m.v3_default_keys = zarr_format == 3;
  m.separator = zarr_format == 3 ? '/' : '.';
  m.shape = var.shape;
  m.chunks = chunks_of(name, var);
  m.dtype = var.dtype;
  m.item_size = dtype_size(m.dtype);
  m.dims = var.dims;
  const Value* compressor = var.encoding.find("compressor");
  std::string cname = compressor && compressor->is_string() ? compressor->string_ref()
                                                            : std::string(kDefaultCompressor);
  if (cname != "none") {
    m.byte_codecs.push_back(
        make_compressor(cname, var.encoding, std::max<std::size_t>(1, m.item_size)));
  }
  m.attrs = user_attrs(name, var);
  if (auto it = links.per_variable.find(name); it != links.per_variable.end()) {
    m.attrs["coordinates"] = joined(it->second);
  }
  if (m.dtype == DType::datetime64_ns) {
    if (m.attrs.contains("units") || m.attrs.contains("calendar")) {
      bad_variable(name, "a datetime64[ns] variable cannot carry 'units' or 'calendar' attrs");
    }
    m.attrs["units"] = kDatetimeUnits;
    m.attrs["calendar"] = kDatetimeCalendar;
  }
  set_fill(m, var.encoding);
  return m;
}

/// Metadata objects of one array, by path relative to the group.
std::vector<std::pair<std::string, Value>> array_documents(const ArrayMeta& m) {
  if (m.zarr_format == 3) return {{m.name + "/zarr.json", render_v3(m)}};
  Value zattrs = m.attrs;
  zattrs["_ARRAY_DIMENSIONS"] = Value(Value::Array(m.dims.begin(), m.dims.end()));
  return {{m.name + "/.zarray", render_v2(m)}, {m.name + "/.zattrs", zattrs}};
}

std::vector<std::pair<std::string, Value>> group_documents(
    const Value& attrs, const std::vector<std::pair<std::string, Value>>& arrays,
    const WriteOptions& options) {
  if (options.zarr_format == 3) {
    Value group = Value::object({{"attributes", attrs}, {"zarr_format", 3}});
    if (options.consolidated) {
      Value metadata = Value::object();
      for (const auto& [path, doc] : arrays) metadata[path.substr(0, path.rfind('/'))] = doc;
      group["consolidated_metadata"] = Value::object(
          {{"kind", "inline"}, {"must_understand", false}, {"metadata", metadata}});
    }
    group["node_type"] = "group";
    return {{"zarr.json", group}};
  }
  std::vector<std::pair<std::string, Value>> docs = {
      {".zgroup", Value::object({{"zarr_format", 2}})}, {".zattrs", attrs}};
  if (options.consolidated) {
    Value metadata = Value::object();
    for (const auto& [path, doc] : docs) metadata[path] = doc;
    for (const auto& [path, doc] : arrays) metadata[path] = doc;
    docs.emplace_back(".zmetadata", Value::object({{"metadata", metadata},
                                                   {"zarr_consolidated_format", 1}}));
  }
  return docs;
}

}  // namespace

void remove_group(Storage& storage, const std::string& prefix) {
  if (storage.stat(prefix + "zarr.json") || storage.stat(prefix + ".zgroup") ||
      storage.stat(prefix + ".zmetadata")) {
    storage.remove_prefix(prefix);
  }
}

std::vector<std::int64_t> auto_chunks(const std::vector<std::int64_t>& shape, DType dtype) {
  const std::int64_t item = dtype == DType::string ? kStringItemEstimate
                                                   : static_cast<std::int64_t>(dtype_size(dtype));
  std::vector<std::int64_t> chunks(shape.size());
  for (std::size_t i = 0; i < shape.size(); ++i) chunks[i] = std::max<std::int64_t>(1, shape[i]);
  for (std::size_t i = 0; i < shape.size(); ++i) {
    std::int64_t tail = item;
    for (std::size_t j = i + 1; j < shape.size(); ++j) tail *= chunks[j];
    if (tail * chunks[i] <= kTargetChunkBytes) break;
    if (tail >= kTargetChunkBytes) {
      chunks[i] = 1;
      continue;
    }
    chunks[i] = std::clamp<std::int64_t>(kTargetChunkBytes / tail, 1, chunks[i]);
    break;
  }
  return chunks;
}

DatasetSchema DatasetSchema::of(const Dataset& dataset) {
  DatasetSchema schema;
  schema.coords = dataset.coords;
  schema.attrs = dataset.attrs;
  for (const auto& [name, var] : dataset.variables) {
    schema.variables[name] = VariableSchema{.dims = var.dims,
                                            .dtype = var.data.dtype(),
                                            .shape = var.data.shape(),
                                            .attrs = var.attrs,
                                            .encoding = var.encoding};
  }
  return schema;
}

GroupPlan plan_group(const DatasetSchema& ds, const WriteOptions& options) {
  if (options.zarr_format != 2 && options.zarr_format != 3) {
    throw ConfigError("zarr_format must be 2 or 3, not " + std::to_string(options.zarr_format));
  }
  if (!ds.attrs.is_null() && !ds.attrs.is_object()) {
    throw CodecError("dataset attrs is not an object");
  }
  const CoordinateLinks links = link_coordinates(ds);
  GroupPlan plan;
  for (const auto& [name, var] : ds.variables) {
    plan.arrays.push_back(meta_of(name, var, links, options.zarr_format));
  }
  plan.attrs = ds.attrs.is_null() ? Value::object() : ds.attrs;
  if (!links.unattached.empty()) plan.attrs["coordinates"] = joined(links.unattached);
  return plan;
}

std::uint64_t write_metadata(Storage& storage, const std::string& prefix, const GroupPlan& plan,
                             const WriteOptions& options) {
  std::uint64_t written = 0;
  std::vector<std::pair<std::string, Value>> arrays;
  for (const auto& m : plan.arrays) {
    for (auto& doc : array_documents(m)) {
      std::string text = dump_metadata_json(doc.second);
      storage.write(prefix + doc.first, text);
      written += text.size();
      arrays.push_back(std::move(doc));
    }
  }
  for (const auto& [path, doc] : group_documents(plan.attrs, arrays, options)) {
    std::string text = dump_metadata_json(doc);
    storage.write(prefix + path, text);
    written += text.size();
  }
  return written;
}

std::uint64_t write_group(const Dataset& ds, Storage& storage, const std::string& prefix,
                          const WriteOptions& options) {
  const GroupPlan plan = plan_group(DatasetSchema::of(ds), options);
  remove_group(storage, prefix);
  std::uint64_t written = 0;
  for (const auto& m : plan.arrays) {
    written += write_chunks(storage, prefix + m.name + "/", m, ds.variables.at(m.name).data);
  }
  return written + write_metadata(storage, prefix, plan, options);
}

}  // namespace nuthatch::zarr
