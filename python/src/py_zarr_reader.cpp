#include "py_zarr_reader.hpp"

#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <string>
#include <utility>

#include "nuthatch/memory.hpp"
#include "nuthatch/storage.hpp"
#include "nuthatch/zarr.hpp"
#include "py_dataset.hpp"
#include "py_value.hpp"

namespace nuthatch::python {
namespace {

/// {"variables": {name: (dims, dtype, shape, attrs, encoding)}, "coords", "attrs"}: the
/// form DatasetWriter.create takes.
nb::dict schema_to_py(const zarr::DatasetSchema& schema) {
  nb::dict variables;
  for (const auto& [name, v] : schema.variables) {
    variables[nb::str(name.data(), name.size())] = nb::make_tuple(
        nb::tuple(nb::cast(v.dims)), nb::str(std::string(dtype_name(v.dtype)).c_str()),
        nb::tuple(nb::cast(v.shape)), from_value(v.attrs), from_value(v.encoding));
  }
  nb::list coords;
  for (const std::string& c : schema.coords) coords.append(nb::str(c.data(), c.size()));
  nb::dict out;
  out["variables"] = variables;
  out["coords"] = coords;
  out["attrs"] = from_value(schema.attrs);
  return out;
}

}  // namespace

void bind_zarr_reader(nb::module_& m) {
  nb::class_<zarr::DatasetReader>(m, "DatasetReader")
      .def_static(
          "open",
          [](const std::string& url, nb::handle storage_options, const std::string& missing) {
            Value options = storage_options.is_none() ? Value::object() : to_value(storage_options);
            const zarr::ReadOptions read_options{.missing_chunks =
                                                     zarr::parse_missing_chunks(missing)};
            nb::gil_scoped_release nogil;
            return zarr::DatasetReader::open(StorageRegistry::open(url, options), read_options);
          },
          nb::arg("url"), nb::arg("storage_options") = nb::none(),
          nb::arg("missing_chunks") = "fill",
          "Reads the metadata of the Zarr group at url (opened with its filesystem_options). "
          "missing_chunks: 'fill' (a missing chunk reads as the fill value) or 'error' (it "
          "raises a nuthatch error naming the chunk and the store).")
      .def_prop_ro(
          "schema", [](const zarr::DatasetReader& r) { return schema_to_py(r.schema()); },
          "{'variables': {name: (dims, dtype, shape, attrs, encoding)}, 'coords', "
          "'attrs'}, xarray's conventions undone.")
      .def(
          "read",
          [](const zarr::DatasetReader& r, const std::string& variable, nb::handle ranges) {
            Selection selection;
            for (nb::handle h : ranges) {
              nb::tuple t = nb::cast<nb::tuple>(h);
              selection.ranges.push_back({nb::cast<std::string>(t[0]), nb::cast<std::int64_t>(t[1]),
                                          nb::cast<std::int64_t>(t[2])});
            }
            NDArray data;
            {
              nb::gil_scoped_release nogil;
              data = r.read(variable, selection);
            }
            return array_to_py(data);
          },
          nb::arg("variable"), nb::arg("ranges") = nb::list(),
          "The elements of a variable in [(dim, start, stop), ...] (other dims whole), as "
          "DatasetWriter's blocks are given (datetimes as int64, str as (list, shape)).");
  m.def(
      "empty",
      [](const std::string& dtype, const std::vector<std::int64_t>& shape) {
        DType t = parse_dtype(dtype);
        if (t == DType::string) throw nb::type_error("empty() takes a numeric dtype, not str");
        NDArray data;
        {
          nb::gil_scoped_release nogil;
          data = NDArray::uninitialized(t, shape);
        }
        return array_to_py(data);
      },
      nb::arg("dtype"), nb::arg("shape"),
      "An uninitialised array from the engine's buffer pool (nuthatch/memory.hpp): large "
      "buffers released earlier are reused, so filling it faults no fresh pages "
      "(datetimes as int64).");
  m.def(
      "buffer_pool_stats",
      [] {
        BufferPoolStats s = buffer_pool_stats();
        nb::dict out;
        out["idle_bytes"] = s.idle_bytes;
        out["idle_buffers"] = s.idle_buffers;
        out["reused"] = s.reused;
        out["allocated"] = s.allocated;
        out["released"] = s.released;
        return out;
      },
      "The engine's buffer pool: idle bytes and buffers held now, and counts of buffers "
      "reused, newly allocated and released since start.");
  m.def(
      "release_idle_buffers", [] { release_idle_buffers(); },
      "Returns the buffers the pool holds to the system now.");
}

}  // namespace nuthatch::python
