#include "py_payload.hpp"

#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "nuthatch/error.hpp"
#include "nuthatch/storage.hpp"

namespace nuthatch::python {

namespace nb = nanobind;

namespace {

// The driver of local directories, whose locations dask and pyarrow can write as paths;
// and the driver whose locations live inside one process. Named here once for Python.
constexpr std::string_view kLocalScheme = "file";
constexpr std::string_view kProcessLocalScheme = "memory";

/// The directory of a payload on the local filesystem, or nullopt for other storage.
std::optional<std::string> local_path(const std::string& url) {
  if (StorageRegistry::scheme_of(url) != kLocalScheme) return std::nullopt;
  return StorageRegistry::open(url)->url_of("");  // the file driver's absolute path
}

/// The object name of partition `index` of a payload of `backend`: the layout the
/// engine's `parquet` codec writes and reads (`part.<i>.parquet`).
std::string part_name(const std::string& backend, std::size_t index) {
  if (backend != "parquet") {
    throw ConfigError("backend '" + backend + "' does not store its payload in partitions");
  }
  return "part." + std::to_string(index) + ".parquet";
}

}  // namespace

void bind_payload(nb::module_& m) {
  m.def("payload_local_path", &local_path, nb::arg("url"),
        "The local directory of a payload URL (a path or file:// URL), or None when it is "
        "on other storage.");
  m.def(
      "payload_shared",
      [](const std::string& url) { return StorageRegistry::scheme_of(url) != kProcessLocalScheme; },
      nb::arg("url"),
      "Whether tasks in other processes (dask workers) can reach a payload URL: false for "
      "storage that lives inside this process.");
  m.def("payload_part_name", &part_name, nb::arg("backend"), nb::arg("index"),
        "The object name of partition `index` of a multi-file payload of `backend`.");
}

}  // namespace nuthatch::python
