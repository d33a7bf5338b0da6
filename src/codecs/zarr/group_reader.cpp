// Reading a Zarr group (v3 or v2, consolidated or not) into a Dataset, undoing xarray's
// conventions: dims from `dimension_names` / `_ARRAY_DIMENSIONS`, coordinates from the
// `coordinates` attributes and dimension variables, datetimes from nuthatch's marker
// attributes. Only direct children of the group are read; nested groups are ignored.
//
// Which arrays a group has: a consolidated group lists them in its own metadata, written
// last, so that list is complete. An unconsolidated group (the engine writes one when
// asked to: `consolidated: false`) records no list anywhere, so its arrays are the
// folders that hold an array's metadata object. A folder whose metadata object is missing would
// then drop out of the dataset unseen. With MissingChunks::error (a store whose writer
// wrote every chunk, such as the cache's own entries) every array of nonzero size has
// objects in its folder, so a folder that holds objects but no metadata is an array whose
// metadata was lost: an error naming it. (The `coordinates` attributes are no evidence:
// a user's attributes may carry one that names no variable. An array with no elements
// leaves no object behind once its metadata is gone, and no reader can see it missing.)
// With MissingChunks::fill (stores written elsewhere) such folders are ignored, as Zarr
// readers do.

#include <algorithm>
#include <initializer_list>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string_view>

#include "codecs/zarr/array_io.hpp"
#include "codecs/zarr/group.hpp"
#include "codecs/zarr/zarr_json.hpp"
#include "nuthatch/error.hpp"

namespace nuthatch::zarr {
namespace {

std::optional<Value> read_json(Storage& storage, const std::string& path) {
  std::optional<std::string> text = storage.read(path);
  if (!text) return std::nullopt;
  return parse_metadata_json(*text, storage.url_of(path));
}

/// A folder directly under the group, as one listing shows it.
struct Child {
  std::set<std::string> metadata;  ///< the metadata objects it holds ("zarr.json", ...)
  std::string first_object;        ///< the path of an object under it, for messages
};

/// The folders directly under the group, by name, with the metadata objects among `leaves`
/// that each holds directly.
std::map<std::string, Child> list_children(Storage& storage, const std::string& prefix,
                                           std::initializer_list<std::string_view> leaves) {
  std::map<std::string, Child> out;
  for (const auto& info : storage.list(prefix)) {
    std::string_view rest = std::string_view(info.path).substr(prefix.size());
    const std::size_t slash = rest.find('/');
    if (slash == std::string_view::npos) continue;  // the group's own objects
    Child& child = out[std::string(rest.substr(0, slash))];
    if (child.first_object.empty()) child.first_object = info.path;
    const std::string_view leaf = rest.substr(slash + 1);
    if (std::find(leaves.begin(), leaves.end(), leaf) != leaves.end()) {
      child.metadata.emplace(leaf);
    }
  }
  return out;
}

/// With MissingChunks::error, the folder `name` that should hold the array metadata
/// `leaf` (see the top of this file) is an error naming it.
void check_array_metadata(const std::string& name, const Child& child, std::string_view leaf,
                          MissingChunks missing) {
  if (missing != MissingChunks::error) return;
  throw CodecError("the metadata " + name + "/" + std::string(leaf) + " of array '" + name +
                   "' is missing, although objects of it remain (" + child.first_object +
                   "): the store was damaged");
}

GroupPlan list_v3(Storage& storage, const std::string& prefix, const Value& group,
                  MissingChunks missing) {
  GroupPlan g;
  if (const Value* a = group.find("attributes"); a && a->is_object()) g.attrs = *a;
  const Value* consolidated = group.find("consolidated_metadata");
  if (consolidated && consolidated->is_object() && consolidated->contains("metadata")) {
    for (const auto& [path, doc] : (*consolidated)["metadata"].members()) {
      const Value* type = doc.find("node_type");
      if (path.find('/') == std::string::npos && type && type->is_string() &&
          type->string_ref() == "array") {
        g.arrays.push_back(parse_v3(doc, path));
      }
    }
    return g;
  }
  constexpr std::string_view kNode = "zarr.json";
  for (const auto& [name, child] : list_children(storage, prefix, {kNode})) {
    const std::optional<Value> found =
        child.metadata.empty() ? std::nullopt : read_json(storage, prefix + name + "/zarr.json");
    if (!found) {  // never there, or removed since the listing
      check_array_metadata(name, child, kNode, missing);
      continue;
    }
    const Value& doc = *found;
    const Value* type = doc.find("node_type");
    if (type && type->is_string() && type->string_ref() == "array") {
      g.arrays.push_back(parse_v3(doc, name));
    }
  }
  return g;
}

GroupPlan list_v2(Storage& storage, const std::string& prefix, MissingChunks missing) {
  GroupPlan g;
  if (std::optional<Value> z = read_json(storage, prefix + ".zmetadata")) {
    const Value& md = (*z)["metadata"];
    if (const Value* a = md.find(".zattrs"); a && a->is_object()) g.attrs = *a;
    for (const auto& [path, doc] : md.members()) {
      const std::size_t slash = path.find('/');
      if (slash == std::string::npos || path.substr(slash) != "/.zarray") continue;
      const std::string name = path.substr(0, slash);
      const Value* attrs = md.find(name + "/.zattrs");
      g.arrays.push_back(parse_v2(doc, attrs ? *attrs : Value(), name));
    }
    return g;
  }
  if (std::optional<Value> a = read_json(storage, prefix + ".zattrs"); a && a->is_object()) {
    g.attrs = *a;
  }
  constexpr std::string_view kArray = ".zarray";
  constexpr std::string_view kGroup = ".zgroup";
  for (const auto& [name, child] : list_children(storage, prefix, {kArray, kGroup})) {
    if (child.metadata.contains(std::string(kGroup))) continue;  // a nested group
    const std::optional<Value> zarray = child.metadata.empty()
                                            ? std::nullopt
                                            : read_json(storage, prefix + name + "/.zarray");
    if (!zarray) {  // never there, or removed since the listing
      check_array_metadata(name, child, kArray, missing);
      continue;
    }
    std::optional<Value> zattrs = read_json(storage, prefix + name + "/.zattrs");
    g.arrays.push_back(parse_v2(*zarray, zattrs.value_or(Value()), name));
  }
  return g;
}

/// list_group, with the check of the top of this file when `missing` is error.
GroupPlan list_checked(Storage& storage, const std::string& prefix, MissingChunks missing) {
  try {
    if (std::optional<Value> group = read_json(storage, prefix + "zarr.json")) {
      return list_v3(storage, prefix, *group, missing);
    }
    if (storage.stat(prefix + ".zgroup") || storage.stat(prefix + ".zmetadata")) {
      return list_v2(storage, prefix, missing);
    }
  } catch (const CodecError& e) {
    throw CodecError("zarr store " + storage.url_of(prefix) + ": " + e.what());
  } catch (const KeyError& e) {  // a member of the wrong kind, or missing
    throw CodecError("zarr store " + storage.url_of(prefix) + ": malformed metadata: " + e.what());
  }
  throw CodecError("no Zarr group at '" + storage.url_of(prefix) + "'");
}

}  // namespace

GroupPlan list_group(Storage& storage, const std::string& prefix) {
  return list_checked(storage, prefix, MissingChunks::fill);
}

namespace {

/// Removes `key` from an object of attributes and returns it (null when absent).
Value take_attr(Value& attrs, std::string_view key) {
  Value out;
  auto& members = attrs.members();
  for (auto it = members.begin(); it != members.end(); ++it) {
    if (it->first == key) {
      out = std::move(it->second);
      members.erase(it);
      break;
    }
  }
  return out;
}

void add_coordinate_names(const Value& names, std::set<std::string>& coords) {
  if (!names.is_string()) return;
  std::istringstream words(names.string_ref());
  for (std::string w; words >> w;) coords.insert(w);
}

bool has_datetime_marker(const ArrayMeta& m) {
  const Value* units = m.attrs.find("units");
  const Value* calendar = m.attrs.find("calendar");
  return m.dtype == DType::int64 && units && calendar && units->is_string() &&
         calendar->is_string() && units->string_ref() == kDatetimeUnits &&
         calendar->string_ref() == kDatetimeCalendar;
}

/// Applies the conventions to one array's metadata; returns coordinate names it lists.
void undo_conventions(ArrayMeta& m, std::set<std::string>& coords) {
  for (std::size_t i = m.dims.size(); i < m.shape.size(); ++i) {
    m.dims.push_back("dim_" + std::to_string(i));
  }
  if (m.dims.size() != m.shape.size()) {
    throw CodecError("zarr array '" + m.name + "': " + std::to_string(m.dims.size()) +
                     " dimension names for " + std::to_string(m.shape.size()) + " dimensions");
  }
  add_coordinate_names(take_attr(m.attrs, "coordinates"), coords);
  if (has_datetime_marker(m)) {
    take_attr(m.attrs, "units");
    take_attr(m.attrs, "calendar");
    m.dtype = DType::datetime64_ns;
  }
  if (m.dims.size() == 1 && m.dims[0] == m.name) coords.insert(m.name);
}

/// How the array is stored, so that writing the variable again keeps it: chunk shape
/// (a sharded array's shard shape), the format its fill value belongs to, the fill value
/// (null: none, v2 only) and the compressor when it is one nuthatch writes.
Value encoding_of(const ArrayMeta& m) {
  Value enc = Value::object();
  enc["chunks"] = Value(Value::Array(m.chunks.begin(), m.chunks.end()));
  enc["zarr_format"] = m.zarr_format;
  const DType stored = m.dtype == DType::datetime64_ns ? DType::int64 : m.dtype;
  enc["fill_value"] = m.fill_null ? Value() : fill_to_json(stored, m.fill);
  if (m.byte_codecs.empty()) {
    enc["compressor"] = "none";
  } else {
    const Value codec = m.byte_codecs.front()->v3_metadata();
    const std::string& name = codec["name"].string_ref();
    if (name == "zstd" || name == "gzip" || name == "blosc") {
      enc["compressor"] = name;
      const Value* config = codec.find("configuration");
      if (const Value* level = config ? config->find(name == "blosc" ? "clevel" : "level")
                                      : nullptr) {
        enc["level"] = *level;
      }
      if (const Value* cname = config ? config->find("cname") : nullptr) enc["cname"] = *cname;
    }
  }
  return enc;
}

Box selected_box(const ArrayMeta& m, const Selection* selection) {
  Box box = full_box(m.shape);
  if (selection == nullptr) return box;
  for (const auto& r : selection->ranges) {
    for (std::size_t i = 0; i < m.dims.size(); ++i) {
      if (m.dims[i] != r.dim) continue;
      if (r.start < 0 || r.stop < r.start || r.stop > m.shape[i]) {
        throw CodecError("selection " + r.dim + "[" + std::to_string(r.start) + ":" +
                         std::to_string(r.stop) + "] is outside array '" + m.name +
                         "' of extent " + std::to_string(m.shape[i]));
      }
      box.start[i] = r.start;
      box.stop[i] = r.stop;
    }
  }
  return box;
}

}  // namespace

namespace {

/// The dataset of a listed group `g` (conventions undone, coordinate names gathered).
Dataset read_listed(Storage& storage, const std::string& prefix, GroupPlan g,
                    std::set<std::string> coords, const Selection* selection,
                    MissingChunks missing) {
  Dataset ds;
  ds.attrs = std::move(g.attrs);
  for (const auto& m : g.arrays) {
    Variable var;
    var.dims = m.dims;
    var.attrs = m.attrs;
    var.encoding = encoding_of(m);
    var.data = read_box(storage, prefix + m.name + "/", m, selected_box(m, selection), missing);
    ds.variables.emplace(m.name, std::move(var));
  }
  for (const auto& c : coords) {
    if (ds.variables.contains(c)) ds.coords.insert(c);
  }
  return ds;
}

/// Lists the group and undoes the conventions on its arrays.
GroupPlan list_undone(Storage& storage, const std::string& prefix, MissingChunks missing,
                      std::set<std::string>& coords) {
  GroupPlan g = list_checked(storage, prefix, missing);
  try {
    add_coordinate_names(take_attr(g.attrs, "coordinates"), coords);
    for (auto& m : g.arrays) undo_conventions(m, coords);
  } catch (const CodecError& e) {
    throw CodecError("zarr store " + storage.url_of(prefix) + ": " + e.what());
  }
  return g;
}

/// Labels of a 1-D coordinate as int64, or nullopt when it is not an integer or
/// datetime64 array.
std::optional<std::vector<std::int64_t>> integer_labels(const NDArray& a) {
  switch (a.dtype()) {
    case DType::int64:
    case DType::datetime64_ns: {
      auto v = a.values<std::int64_t>();
      return std::vector<std::int64_t>(v.begin(), v.end());
    }
    case DType::int32: {
      auto v = a.values<std::int32_t>();
      return std::vector<std::int64_t>(v.begin(), v.end());
    }
    default:
      return std::nullopt;
  }
}

}  // namespace

Dataset read_group(Storage& storage, const std::string& prefix, const Selection* selection,
                   const ReadOptions& options) {
  std::set<std::string> coords;
  GroupPlan g = list_undone(storage, prefix, options.missing_chunks, coords);
  return read_listed(storage, prefix, std::move(g), std::move(coords), selection,
                     options.missing_chunks);
}

Dataset read_group(Storage& storage, const std::string& prefix, const CoordinateRange& range,
                   const ReadOptions& options) {
  const MissingChunks missing = options.missing_chunks;
  std::set<std::string> coords;
  GroupPlan g = list_undone(storage, prefix, missing, coords);
  auto coord = std::find_if(g.arrays.begin(), g.arrays.end(), [&](const ArrayMeta& m) {
    return m.name == range.dim && m.dims.size() == 1 && m.dims[0] == range.dim;
  });
  if (coord == g.arrays.end()) {
    return read_listed(storage, prefix, std::move(g), std::move(coords), nullptr, missing);
  }
  NDArray labels_array =
      read_box(storage, prefix + coord->name + "/", *coord, full_box(coord->shape), missing);
  std::optional<std::vector<std::int64_t>> labels = integer_labels(labels_array);
  if (!labels || !std::is_sorted(labels->begin(), labels->end())) {
    return read_listed(storage, prefix, std::move(g), std::move(coords), nullptr, missing);
  }
  // [lo, hi): the labels in [start, stop], widened by one neighbour on each side.
  auto lo = range.start ? std::lower_bound(labels->begin(), labels->end(), *range.start)
                        : labels->begin();
  auto hi = range.stop ? std::upper_bound(labels->begin(), labels->end(), *range.stop)
                       : labels->end();
  const auto n = static_cast<std::int64_t>(labels->size());
  std::int64_t begin = std::max<std::int64_t>(0, (lo - labels->begin()) - 1);
  std::int64_t end = std::min<std::int64_t>(n, (hi - labels->begin()) + 1);
  end = std::max(begin, end);
  Selection selection{{{range.dim, begin, end}}};
  return read_listed(storage, prefix, std::move(g), std::move(coords), &selection, missing);
}

struct DatasetReader::State {
  StoragePtr storage;
  ReadOptions options;
  std::map<std::string, ArrayMeta> arrays;
  DatasetSchema schema;
};

DatasetReader DatasetReader::open(std::string url, ReadOptions options) {
  return open(StorageRegistry::open(url), options);
}

DatasetReader DatasetReader::open(StoragePtr storage, ReadOptions options) {
  auto state = std::make_shared<State>();
  state->storage = std::move(storage);
  state->options = options;
  std::set<std::string> coords;
  GroupPlan g = list_undone(*state->storage, "", options.missing_chunks, coords);
  state->schema.attrs = std::move(g.attrs);
  for (auto& m : g.arrays) {
    VariableSchema v;
    v.dims = m.dims;
    v.dtype = m.dtype;
    v.shape = m.shape;
    v.attrs = m.attrs;
    v.encoding = encoding_of(m);
    state->schema.variables.emplace(m.name, std::move(v));
    state->arrays.emplace(m.name, std::move(m));
  }
  for (const auto& c : coords) {
    if (state->schema.variables.contains(c)) state->schema.coords.insert(c);
  }
  return DatasetReader(std::move(state));
}

const DatasetSchema& DatasetReader::schema() const { return state_->schema; }

NDArray DatasetReader::read(const std::string& variable, const Selection& selection) const {
  auto it = state_->arrays.find(variable);
  if (it == state_->arrays.end()) {
    throw CodecError("zarr store has no variable '" + variable + "'");
  }
  const ArrayMeta& m = it->second;
  return read_box(*state_->storage, m.name + "/", m, selected_box(m, &selection),
                  state_->options.missing_chunks);
}

}  // namespace nuthatch::zarr
