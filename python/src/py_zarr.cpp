#include "py_zarr.hpp"

#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <string>
#include <utility>

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

  nb::class_<Writer>(m, "DatasetWriter")
      .def_static("create", [](std::string url, nb::handle schema, int zarr_format, bool consolidated) {
        zarr::DatasetSchema s = schema_from_py(schema);
        nb::gil_scoped_release nogil;
        return Writer{zarr::DatasetWriter::create(std::move(url), s,
                                                  zarr::WriteOptions{zarr_format, consolidated})};
      }, nb::arg("url"), nb::arg("schema"), nb::arg("zarr_format") = 3,
         nb::arg("consolidated") = true)
      .def_static("open", [](std::string url) {
        nb::gil_scoped_release nogil;
        return Writer{zarr::DatasetWriter::open(std::move(url))};
      }, nb::arg("url"))
      .def("write_region", [](Writer& w, const std::string& variable, nb::handle region,
                              const std::string& dtype, nb::handle block) {
        Selection selection;
        for (nb::handle r : region) {
          nb::tuple t = nb::cast<nb::tuple>(r);
          selection.ranges.push_back(
              {nb::cast<std::string>(t[0]), nb::cast<std::int64_t>(t[1]), nb::cast<std::int64_t>(t[2])});
        }
        NDArray data = array_from_py(parse_dtype(dtype), block);
        nb::gil_scoped_release nogil;
        w.writer.write_region(variable, selection, data);
      }, nb::arg("variable"), nb::arg("region"), nb::arg("dtype"), nb::arg("block"),
         "Writes a block covering region [(dim, start, stop), ...] (chunk-aligned).")
      .def("commit", [](Writer& w) {
        nb::gil_scoped_release nogil;
        w.writer.commit();
      });
}

}  // namespace nuthatch::python
