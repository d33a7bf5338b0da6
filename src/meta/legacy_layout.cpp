// Reading the original Nuthatch's layout (legacy_layout.hpp). Paths are derived from the
// call's key and namespace only, never from anything stored; a key that could not be a
// path below the location (an empty, "." or ".." component, a NUL byte: the original
// would have written outside its root, or failed) is simply absent here.

#include "meta/legacy_layout.hpp"

#include <algorithm>

namespace nuthatch::legacy {
namespace {

// Python's os.path.join of two relative parts: a '/' between them unless the first
// already ends in one (so the key "name/" of a function without cache arguments gives
// "name/basic", "name/.pkl" and "name/.null", as in the original).
std::string join(std::string_view a, std::string_view b) {
  std::string out(a);
  if (!out.empty() && out.back() != '/') out += '/';
  out += b;
  return out;
}

// nuthatch_metadata.nut/<key>[/<ns>]
std::string row_base(std::string_view ns, std::string_view key) {
  std::string out = join(kMetastore, key);
  return ns == kNoNamespace ? out : join(out, ns);
}

}  // namespace

bool is_safe_key(std::string_view key) {
  if (key.empty() || key.find('\0') != std::string_view::npos) return false;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = key.find('/', start);
    const std::string_view part = key.substr(start, end - start);
    // The key's last part may be empty ("name/" for a function without cache arguments):
    // the original's paths then end in "name" (os.path.join drops the empty part).
    if (part == "." || part == ".." || (part.empty() && end != std::string_view::npos)) {
      return false;
    }
    if (end == std::string_view::npos) return true;
    start = end + 1;
  }
}

const std::vector<Backend>& backends() {
  static const std::vector<Backend> kBackends = {
      {"basic", "pickle", "pkl", DataShape::file},
      {"zarr", "zarr", "zarr", DataShape::zarr_group},
      {"parquet", "parquet", "parquet", DataShape::file_or_tree},
      {"delta", "delta", "delta", DataShape::delta_table},
  };
  return kBackends;
}

const Backend* by_original_name(std::string_view original_backend) {
  for (const Backend& b : backends()) {
    if (b.original == original_backend) return &b;
  }
  return nullptr;
}

const Backend* by_engine_name(std::string_view engine_backend) {
  for (const Backend& b : backends()) {
    if (b.engine == engine_backend) return &b;
  }
  return nullptr;
}

std::string metastore_folder(std::string_view ns, std::string_view key) {
  return join(row_base(ns, key), "");
}

std::string metastore_row(std::string_view ns, std::string_view key, const Backend& b) {
  return join(row_base(ns, key), b.original) + std::string(kRowExtension);
}

std::string null_marker(std::string_view ns, std::string_view key) {
  return row_base(ns, key) + std::string(kNullExtension);
}

std::string data_path(std::string_view ns, std::string_view key, const Backend& b) {
  return (ns == kNoNamespace ? std::string(key) : join(ns, key)) + "." +
         std::string(b.extension);
}

bool data_exists(Storage& storage, std::string_view ns, std::string_view key, const Backend& b) {
  const std::string path = data_path(ns, key, b);
  switch (b.shape) {
    case DataShape::file: return storage.stat(path).has_value();
    case DataShape::zarr_group:  // either zarr format
      return storage.stat(path + "/zarr.json").has_value() ||
             storage.stat(path + "/.zgroup").has_value();
    case DataShape::file_or_tree:
      return storage.stat(path).has_value() || !storage.list(path + "/").empty();
    case DataShape::delta_table: return !storage.list(path + "/_delta_log/").empty();
  }
  return false;
}

std::optional<ManifestRecord> find(Storage& storage, const std::string& ns,
                                   const std::string& key, const std::string& backend) {
  if (!is_safe_key(key)) return std::nullopt;
  Manifest m;
  m.ns = ns;
  m.key = key;
  m.name = key.substr(0, key.find('/'));
  m.legacy = true;
  m.unversioned = true;
  std::optional<ObjectInfo> row;
  if (backend == kNullBackend) {
    row = storage.stat(null_marker(ns, key));
    if (!row) return std::nullopt;
    m.backend = std::string(kNullBackend);
    m.state = "null";
  } else {
    const Backend* b = by_engine_name(backend);
    if (b == nullptr) return std::nullopt;
    row = storage.stat(metastore_row(ns, key, *b));
    if (!row) return std::nullopt;
    m.backend = backend;
    m.payload = data_path(ns, key, *b);
    // Payloads the engine did not write, read as their format says: xarray (zarr-python
    // 3) leaves chunks that hold only the fill value unwritten, and a Delta table carries
    // no record of the engine's (Python's delta adapter then reads its latest version).
    m.sparse = b->shape == DataShape::zarr_group || b->shape == DataShape::delta_table;
  }
  // Time-ordered like the engine's ids, so the newest of several backends wins a lookup.
  m.entry_id = std::to_string(row->mtime_ns);
  std::string generation = row->generation.empty() ? m.entry_id : row->generation;
  return ManifestRecord{std::move(m), std::move(generation)};
}

std::vector<std::string> backends_of(Storage& storage, const std::string& ns,
                                     const std::string& key) {
  std::vector<std::string> out;
  if (!is_safe_key(key)) return out;
  const std::string folder = metastore_folder(ns, key);
  for (const ObjectInfo& o : storage.list(folder)) {
    std::string_view name(o.path);
    if (!name.starts_with(folder)) continue;
    name.remove_prefix(folder.size());
    for (const Backend& b : backends()) {
      if (name == std::string(b.original) + std::string(kRowExtension)) {
        out.emplace_back(b.engine);
      }
    }
  }
  if (storage.stat(null_marker(ns, key))) out.emplace_back(kNullBackend);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace nuthatch::legacy
