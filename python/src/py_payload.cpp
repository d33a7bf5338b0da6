#include "py_payload.hpp"

#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "nuthatch/codec.hpp"
#include "nuthatch/error.hpp"
#include "nuthatch/storage.hpp"
#include "py_value.hpp"

namespace nuthatch::python {

namespace nb = nanobind;

namespace {

const Codec& partitioned_codec(const std::string& backend) {
  const Codec& codec = CodecRegistry::get(backend);
  if (codec.partition_name(0).empty()) {
    throw ConfigError("backend '" + backend + "' does not store its payload in partitions");
  }
  return codec;
}

}  // namespace

void bind_payload(nb::module_& m) {
  // The driver of the payload's URL decides (DriverTraits): no scheme is named here.
  m.def(
      "payload_local_path",
      [](const std::string& url, nb::handle storage_options) -> std::optional<std::string> {
        if (!StorageRegistry::traits_of(url).local_directories) return std::nullopt;
        return StorageRegistry::open(url, options_from_py(storage_options))->local_directory();
      },
      nb::arg("url"), nb::arg("storage_options") = nb::none(),
      "The local directory of a payload URL (a path or file:// URL), or None when it is on "
      "other storage.");
  m.def(
      "payload_shared",
      [](const std::string& url) { return !StorageRegistry::traits_of(url).in_process; },
      nb::arg("url"),
      "Whether tasks in other processes (dask workers) can reach a payload URL: false for "
      "storage that lives inside this process.");
  m.def(
      "payload_part_name",
      [](const std::string& backend, std::size_t index) {
        return partitioned_codec(backend).partition_name(index);
      },
      nb::arg("backend"), nb::arg("index"),
      "The object name of partition `index` of a multi-file payload of `backend`.");
  m.def(
      "payload_parts_written_name",
      [](const std::string& backend, std::size_t count) {
        return partitioned_codec(backend).partitions_written_name(count);
      },
      nb::arg("backend"), nb::arg("count"),
      "The object a writer of partitions writes last, once all `count` are written (\"\" "
      "when the backend records none).");
}

}  // namespace nuthatch::python
