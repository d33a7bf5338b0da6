#include "py_zarr.hpp"

#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "nuthatch/storage.hpp"
#include "nuthatch/zarr.hpp"
#include "py_dataset.hpp"
#include "py_value.hpp"

namespace nuthatch::python {
namespace {

/// {"variables": {name: (dims, dtype, shape, attrs, encoding)}, "coords", "attrs"}.
zarr::DatasetSchema schema_from_py(nb::handle schema) {
  zarr::DatasetSchema out;
  for (auto [key, spec] : nb::cast<nb::dict>(schema["variables"])) {
    nb::tuple t = nb::cast<nb::tuple>(spec);
    zarr::VariableSchema v;
    v.dims = nb::cast<std::vector<std::string>>(t[0]);
    v.dtype = parse_dtype(nb::cast<std::string>(t[1]));
    v.shape = nb::cast<std::vector<std::int64_t>>(t[2]);
    v.attrs = to_value(t[3]);
    v.encoding = to_value(t[4]);
    out.variables.emplace(nb::cast<std::string>(key), std::move(v));
  }
  for (nb::handle c : schema["coords"]) out.coords.insert(nb::cast<std::string>(c));
  out.attrs = to_value(schema["attrs"]);
  return out;
}

/// A handle on a store being written region by region; copies share it.
struct Writer {
  zarr::DatasetWriter writer;
};

/// The bytes of every object under a location.
std::uint64_t stored_bytes(Storage& storage) {
  std::uint64_t total = 0;
  for (const ObjectInfo& info : storage.list("")) total += info.size;
  return total;
}

}  // namespace

void bind_zarr(nb::module_& m) {
  m.def("zarr_write", [](nb::handle dataset, std::string url, int zarr_format, bool consolidated) {
    Dataset ds = dataset_from_py(dataset);
    nb::gil_scoped_release nogil;
    zarr::write(ds, std::move(url), zarr::WriteOptions{zarr_format, consolidated});
  }, nb::arg("dataset"), nb::arg("url"), nb::arg("zarr_format") = 3, nb::arg("consolidated") = true,
     "Writes a dataset (the plain form of py_dataset.hpp) as a Zarr group at url.");
  m.def("zarr_read", [](std::string url) {
    Dataset ds;
    {
      nb::gil_scoped_release nogil;
      ds = zarr::read(std::move(url));
    }
    return dataset_to_py(ds);
  }, nb::arg("url"), "Reads the Zarr group at url (the plain form of py_dataset.hpp).");

  // Streamed payloads are written by dask tasks in any process: each opens the payload's
  // location itself, with the storage options (credentials, endpoint) it was handed.
  nb::class_<Writer>(m, "DatasetWriter")
      .def_static(
          "create",
          [](const std::string& url, nb::handle schema, int zarr_format, bool consolidated,
             nb::handle storage_options) {
            zarr::DatasetSchema s = schema_from_py(schema);
            Value options = options_from_py(storage_options);
            nb::gil_scoped_release nogil;
            return Writer{
                zarr::DatasetWriter::create(StorageRegistry::open(url, options), s,
                                            zarr::WriteOptions{zarr_format, consolidated})};
          },
          nb::arg("url"), nb::arg("schema"), nb::arg("zarr_format") = 3,
          nb::arg("consolidated") = true, nb::arg("storage_options") = nb::none(),
          "Creates the Zarr group at url (any URL the storage registry opens, with its "
          "filesystem_options) for regions to be written into.")
      .def_static(
          "open",
          [](const std::string& url, nb::handle storage_options) {
            Value options = options_from_py(storage_options);
            nb::gil_scoped_release nogil;
            return Writer{zarr::DatasetWriter::open(StorageRegistry::open(url, options))};
          },
          nb::arg("url"), nb::arg("storage_options") = nb::none(),
          "Attaches to a group created by create() (in this or another process).")
      .def(
          "write_region",
          [](Writer& w, const std::string& variable, nb::handle region, const std::string& dtype,
             nb::handle block) {
            Selection selection;
            for (nb::handle r : region) {
              nb::tuple t = nb::cast<nb::tuple>(r);
              selection.ranges.push_back({nb::cast<std::string>(t[0]), nb::cast<std::int64_t>(t[1]),
                                          nb::cast<std::int64_t>(t[2])});
            }
            NDArray data = array_from_py(parse_dtype(dtype), block);
            nb::gil_scoped_release nogil;
            w.writer.write_region(variable, selection, data);
          },
          nb::arg("variable"), nb::arg("region"), nb::arg("dtype"), nb::arg("block"),
          "Writes a block covering region [(dim, start, stop), ...] (chunk-aligned).")
      .def("commit", [](Writer& w) {
        nb::gil_scoped_release nogil;
        w.writer.commit();
      });

  m.def(
      "write_object",
      [](const std::string& url, const std::string& path, nb::bytes data,
         nb::handle storage_options) {
        Value options = options_from_py(storage_options);
        const std::string_view bytes(data.c_str(), data.size());  // alive: the caller holds data
        nb::gil_scoped_release nogil;
        StorageRegistry::open(url, options)->write(path, bytes);
      },
      nb::arg("url"), nb::arg("path"), nb::arg("data"), nb::arg("storage_options") = nb::none(),
      "Writes one object (e.g. a parquet part of a streamed payload) at path under url.");
  m.def(
      "object_exists",
      [](const std::string& url, const std::string& path, nb::handle storage_options) {
        Value options = options_from_py(storage_options);
        nb::gil_scoped_release nogil;
        return StorageRegistry::open(url, options)->stat(path).has_value();
      },
      nb::arg("url"), nb::arg("path"), nb::arg("storage_options") = nb::none(),
      "Whether an object (e.g. a marker a writer left in a payload) exists at path under url.");
  m.def(
      "read_object",
      [](const std::string& url, const std::string& path,
         nb::handle storage_options) -> std::optional<nb::bytes> {
        Value options = options_from_py(storage_options);
        std::optional<std::string> data;
        {
          nb::gil_scoped_release nogil;
          data = StorageRegistry::open(url, options)->read(path);
        }
        if (!data) return std::nullopt;
        return nb::bytes(data->data(), data->size());
      },
      nb::arg("url"), nb::arg("path"), nb::arg("storage_options") = nb::none(),
      "One object of a payload (e.g. a writer's record), or None when it does not exist.");
  m.def(
      "object_store_options",
      [](const std::string& url, nb::handle storage_options) -> nb::object {
        Value options = options_from_py(storage_options);
        std::optional<Value> out;
        {
          nb::gil_scoped_release nogil;
          out = StorageRegistry::open(url, options)->object_store_options();
        }
        return out ? from_value(*out) : nb::none();
      },
      nb::arg("url"), nb::arg("storage_options") = nb::none(),
      "The options with which the Rust object_store crate (delta-rs) reaches url, "
      "credentials resolved; None when it cannot.");
  m.def(
      "stored_bytes",
      [](const std::string& url, nb::handle storage_options) {
        Value options = options_from_py(storage_options);
        nb::gil_scoped_release nogil;
        return stored_bytes(*StorageRegistry::open(url, options));
      },
      nb::arg("url"), nb::arg("storage_options") = nb::none(),
      "The bytes of every object under url (a streamed payload's size).");
}

}  // namespace nuthatch::python
